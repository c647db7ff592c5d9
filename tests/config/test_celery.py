from config.celery import app


def test_celery_app_reads_django_settings(settings):
    assert app.main == "gongfu"
    assert app.conf.task_always_eager == settings.CELERY_TASK_ALWAYS_EAGER
