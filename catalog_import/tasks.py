from celery import shared_task

from .services import import_job_run, import_jobs_fail_stalled


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str | None:
    """Process one queued ImportJob. Idempotent: a job that is no longer
    queued (the task delivered twice) is left as it is."""
    job = import_job_run(job_id)
    return job.status if job is not None else None


@shared_task
def fail_stalled_import_jobs() -> int:
    return import_jobs_fail_stalled()
