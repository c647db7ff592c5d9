from storefront.demo.management.commands.load_demo import Command


def test_help_says_what_the_command_does_in_chinese_and_english():
    help_text = Command().create_parser("manage.py", "load_demo").format_help()
    text = " ".join(help_text.split())  # argparse wraps lines
    assert "载入演示数据" in text
    assert "Load demo data" in text
    assert "不会重复创建" in text
    assert "Safe to run again" in text
