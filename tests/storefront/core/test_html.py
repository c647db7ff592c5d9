from storefront.core.html import sanitize_html


def test_keeps_simple_formatting():
    html = "<p>东海<strong>野生</strong>黄鱼</p>"
    assert sanitize_html(html) == html


def test_strips_script_elements_and_their_content():
    cleaned = sanitize_html("<p>好吃</p><script>alert('x')</script>")
    assert "<script" not in cleaned
    assert "alert" not in cleaned
    assert "<p>好吃</p>" in cleaned


def test_strips_event_handler_attributes():
    cleaned = sanitize_html('<img src="x" onerror="alert(1)"><p onclick="x()">a</p>')
    assert "onerror" not in cleaned
    assert "onclick" not in cleaned
    assert "alert" not in cleaned
    assert "<p>a</p>" in cleaned


def test_strips_javascript_links_but_keeps_the_text():
    cleaned = sanitize_html('<a href="javascript:alert(1)">点我</a>')
    assert "javascript" not in cleaned
    assert "点我" in cleaned


def test_keeps_http_links_with_nofollow():
    cleaned = sanitize_html('<a href="https://example.com/a">源头</a>')
    assert 'href="https://example.com/a"' in cleaned
    assert 'rel="nofollow noopener"' in cleaned


def test_drops_styles_and_iframes():
    cleaned = sanitize_html(
        '<p style="color:red">x</p><iframe src="https://evil"></iframe>'
        "<style>p{}</style>"
    )
    assert "style" not in cleaned
    assert "iframe" not in cleaned


def test_empty_and_none():
    assert sanitize_html("") == ""
    assert sanitize_html(None) == ""
