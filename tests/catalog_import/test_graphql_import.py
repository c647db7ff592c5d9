"""catalogImportCreate over a GraphQL multipart request (signed in, with the
CSRF header), importJob(id:) for the people who may import, and the refusals
a cross-site page or a stranger meets."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.crypto import get_random_string
from graphql_relay import to_global_id

from brands.models import Role
from catalog_import import types
from catalog_import.models import ImportJob, ImportMode, ImportStatus
from storefront.catalog.models import Product
from storefront.graphql import view
from tests.catalog_import.jobs_helpers import catalogue_csv, catalogue_rows, shop
from tests.factories import grant, make_user, make_workshop

pytestmark = pytest.mark.django_db

CREATE = """
mutation Create($workshop: String!, $file: Upload!, $dryRun: Boolean) {
  catalogImportCreate(workshop: $workshop, file: $file, dryRun: $dryRun) {
    job { id status mode originalName workshopSlug }
    errors { field code message }
  }
}
"""

JOB = """
query Job($id: ID!, $first: Int, $severity: ImportProblemSeverity) {
  importJob(id: $id) {
    id status progress rowsTotal rowsDone failure
    createdCount updatedCount unchangedCount skippedCount errorCount warningCount
    problems(first: $first, severity: $severity) {
      totalCount
      pageInfo { hasNextPage }
      edges { node { row column code severity message productCode } }
    }
    plan(first: 10) {
      totalCount
      edges { node { action productCode productName rows
        variants { sku isNew } } }
    }
  }
}
"""

APPLY = """
mutation Apply($job: ID!) {
  catalogImportApply(job: $job) {
    job { id status mode }
    errors { field code message }
  }
}
"""


@pytest.fixture
def world():
    return shop()


def _signed_in(user) -> tuple[Client, str]:
    """A browser session that enforces CSRF like a real one: the csrftoken
    cookie is set, and the returned token goes in X-CSRFToken."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    return client, token


def _multipart(client, query, variables, files: dict, **headers):
    """POST per the GraphQL multipart request spec: operations, map, files."""
    data = {
        "operations": json.dumps({"query": query, "variables": variables}),
        "map": json.dumps({key: [path] for key, (path, _) in files.items()}),
    }
    for key, (_, upload) in files.items():
        data[key] = upload
    return client.post("/graphql/", data=data, **headers)


def _upload_catalogue(client, token, workshop, content, *, dry_run=True, **headers):
    upload = SimpleUploadedFile("目录.csv", content, content_type="text/csv")
    if token is not None:
        headers.setdefault("HTTP_X_CSRFTOKEN", token)
    return _multipart(
        client,
        CREATE,
        {"workshop": workshop.slug, "file": None, "dryRun": dry_run},
        {"0": ("variables.file", upload)},
        **headers,
    )


def _gql(client, query, variables, token=None):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def _content(brand, products=2, variants=1, bad_row=False):
    rows = catalogue_rows(brand, products=products, variants=variants)
    if bad_row:
        rows[-1][4] = "abc"
    return catalogue_csv(rows)


def test_upload_a_dry_run_and_follow_it(world, django_capture_on_commit_callbacks):
    brand, workshop, manager = world
    client, token = _signed_in(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = _upload_catalogue(
            client, token, workshop, _content(brand, products=3, bad_row=True)
        )

    assert response.status_code == 200, response.content
    assert "errors" not in response.json(), response.json()
    payload = response.json()["data"]["catalogImportCreate"]
    assert payload["errors"] == []
    job = payload["job"]
    assert job["status"] == "QUEUED" and job["mode"] == "DRY_RUN"
    assert job["originalName"] == "目录.csv" and job["workshopSlug"] == workshop.slug
    assert Product.objects.count() == 0

    body = _gql(client, JOB, {"id": job["id"], "first": 10})
    read = body["data"]["importJob"]
    assert read["status"] == "DONE", read["failure"]
    assert (read["progress"], read["rowsDone"], read["rowsTotal"]) == (100, 3, 3)
    assert (read["createdCount"], read["skippedCount"], read["errorCount"]) == (
        2,
        1,
        1,
    )
    [problem] = [edge["node"] for edge in read["problems"]["edges"]]
    assert problem["row"] == 4 and problem["column"] == "价格(元)"
    assert problem["code"] == "invalid_price" and problem["severity"] == "ERROR"
    assert problem["productCode"] == "T-0003"
    plan = [edge["node"] for edge in read["plan"]["edges"]]
    assert [entry["action"] for entry in plan] == ["create", "create", "skip"]
    assert plan[0]["productName"] == "测试黄鱼鲞1" and plan[0]["rows"] == [2]
    assert plan[0]["variants"] == [{"sku": "T-0001-1", "isNew": True}]

    # Then apply it, without uploading again.
    with django_capture_on_commit_callbacks(execute=True):
        applied = _gql(client, APPLY, {"job": job["id"]}, token)
    result = applied["data"]["catalogImportApply"]
    assert result["errors"] == [] and result["job"]["mode"] == "APPLY"
    assert Product.objects.filter(workshop=workshop).count() == 2


def test_problems_are_paged_and_filtered(world, django_capture_on_commit_callbacks):
    brand, workshop, manager = world
    rows = catalogue_rows(brand, products=3, variants=1)
    for row in rows:
        row[4] = "abc"
    client, token = _signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload_catalogue(client, token, workshop, catalogue_csv(rows))
    job_id = response.json()["data"]["catalogImportCreate"]["job"]["id"]

    page = _gql(client, JOB, {"id": job_id, "first": 2})["data"]["importJob"]
    assert page["problems"]["totalCount"] == 3
    assert len(page["problems"]["edges"]) == 2
    assert page["problems"]["pageInfo"]["hasNextPage"] is True

    errors = _gql(client, JOB, {"id": job_id, "severity": "ERROR"})
    assert errors["data"]["importJob"]["problems"]["totalCount"] == 3
    warnings = _gql(client, JOB, {"id": job_id, "severity": "WARNING"})
    assert warnings["data"]["importJob"]["problems"]["totalCount"] == 0


def test_apply_directly_with_dry_run_false(world, django_capture_on_commit_callbacks):
    brand, workshop, manager = world
    client, token = _signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload_catalogue(
            client, token, workshop, _content(brand), dry_run=False
        )
    assert response.json()["data"]["catalogImportCreate"]["job"]["mode"] == "APPLY"
    assert Product.objects.filter(workshop=workshop).count() == 2


def test_multipart_without_the_csrf_token_is_refused(world):
    brand, workshop, manager = world
    client, _ = _signed_in(manager)

    response = _upload_catalogue(client, None, workshop, _content(brand))

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "csrf_failed"
    assert not ImportJob.objects.exists()


def test_multipart_with_a_wrong_csrf_token_is_refused(world):
    brand, workshop, manager = world
    client, _ = _signed_in(manager)

    response = _upload_catalogue(
        client, get_random_string(32), workshop, _content(brand)
    )

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_multipart_from_a_cross_site_origin_is_refused(world):
    brand, workshop, manager = world
    client, token = _signed_in(manager)

    response = _upload_catalogue(
        client, token, workshop, _content(brand), HTTP_ORIGIN="https://evil.example"
    )

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_multipart_from_someone_not_signed_in_is_refused(world):
    brand, workshop, _ = world
    client = Client(enforce_csrf_checks=True)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token

    response = _upload_catalogue(client, token, workshop, _content(brand))

    assert response.status_code == 415
    assert not ImportJob.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(world, monkeypatch):
    brand, workshop, manager = world
    monkeypatch.setattr(view, "MULTIPART_MAX_BYTES", 100)
    client, token = _signed_in(manager)

    response = _upload_catalogue(client, token, workshop, _content(brand))

    assert response.status_code == 413
    assert not ImportJob.objects.exists()


def test_a_file_over_the_sheet_limit_is_an_error_on_the_file(world, monkeypatch):
    brand, workshop, manager = world
    monkeypatch.setattr(types, "MAX_SHEET_BYTES", 10)
    client, token = _signed_in(manager)

    response = _upload_catalogue(client, token, workshop, _content(brand))

    payload = response.json()["data"]["catalogImportCreate"]
    assert payload["job"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("file", "FILE_TOO_LARGE")
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("operations_map", "files"),
    [
        ({"0": ["query"]}, True),  # a file may only fill a variable
        ({"0": ["variables.nope.deep"]}, True),
        ({"0": ["variables.file"]}, False),  # the file part is missing
    ],
    ids=["not-a-variable", "no-such-variable", "missing-part"],
)
def test_malformed_multipart_requests_are_400(world, operations_map, files):
    brand, workshop, manager = world
    client, token = _signed_in(manager)
    data = {
        "operations": json.dumps(
            {"query": CREATE, "variables": {"workshop": workshop.slug, "file": None}}
        ),
        "map": json.dumps(operations_map),
    }
    if files:
        data["0"] = SimpleUploadedFile("a.csv", _content(brand))

    response = client.post("/graphql/", data=data, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_string_is_not_a_file(world):
    brand, workshop, manager = world
    client, token = _signed_in(manager)

    body = client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": CREATE,
                "variables": {"workshop": workshop.slug, "file": "/etc/passwd"},
            }
        ),
        content_type="application/json",
    ).json()

    assert "multipart" in body["errors"][0]["message"]
    assert not ImportJob.objects.exists()


def test_a_manager_of_another_workshop_is_refused(world):
    brand, workshop, _ = world
    stranger = make_user()
    grant(stranger, Role.WORKSHOP_MANAGER, make_workshop(brands=[brand]))
    client, token = _signed_in(stranger)

    response = _upload_catalogue(client, token, workshop, _content(brand))

    payload = response.json()["data"]["catalogImportCreate"]
    assert payload["job"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("workshop", "PERMISSION_DENIED")
    ]
    assert not ImportJob.objects.exists()


def test_an_unknown_workshop(world):
    brand, workshop, manager = world
    workshop.slug = "renamed"  # the request names a slug that does not exist
    client, token = _signed_in(manager)

    response = _upload_catalogue(client, token, workshop, _content(brand))

    [error] = response.json()["data"]["catalogImportCreate"]["errors"]
    assert (error["field"], error["code"]) == ("workshop", "WORKSHOP_NOT_FOUND")


def test_import_job_is_visible_only_to_who_may_import(world):
    brand, workshop, manager = world
    job = ImportJob.objects.create(
        created_by=manager,
        workshop=workshop,
        file="imports/x.csv",
        original_name="x.csv",
        mode=ImportMode.DRY_RUN,
        status=ImportStatus.RUNNING,
        rows_total=1000,
        rows_done=450,
    )
    job_id = to_global_id("ImportJob", job.pk)
    brand_operator = make_user()
    grant(brand_operator, Role.BRAND_OPERATOR, brand)
    other_manager = make_user()
    grant(other_manager, Role.WORKSHOP_MANAGER, make_workshop(brands=[brand]))
    host = make_user()
    grant(host, Role.LIVESTREAM_HOST, brand)

    for user, sees in [
        (manager, True),
        (brand_operator, True),
        (make_user(staff=True), True),
        (other_manager, False),
        (host, False),
        (make_user(), False),
        (None, False),
    ]:
        client = Client()
        if user is not None:
            client.force_login(user)
        read = _gql(client, JOB, {"id": job_id})["data"]["importJob"]
        if sees:
            assert read["status"] == "RUNNING" and read["progress"] == 45
            assert read["problems"]["totalCount"] == 0
        else:
            assert read is None, user

    # Not an ImportJob's ID, or garbage: nothing.
    client = Client()
    client.force_login(manager)
    for other_id in [to_global_id("Product", job.pk), "garbage"]:
        assert _gql(client, JOB, {"id": other_id})["data"]["importJob"] is None


def test_applying_someone_elses_job_is_not_found(world):
    brand, workshop, manager = world
    job = ImportJob.objects.create(
        workshop=workshop,
        file="imports/x.csv",
        original_name="x.csv",
        mode=ImportMode.DRY_RUN,
        status=ImportStatus.DONE,
    )
    stranger = make_user()
    client, token = _signed_in(stranger)

    body = _gql(client, APPLY, {"job": to_global_id("ImportJob", job.pk)}, token)

    [error] = body["data"]["catalogImportApply"]["errors"]
    assert (error["field"], error["code"]) == ("job", "JOB_NOT_FOUND")
    assert ImportJob.objects.count() == 1


RERUN = """
mutation Rerun($job: ID!) {
  catalogImportRerun(job: $job) {
    job { id status canRunAgain }
    errors { field code message }
  }
}
"""


def test_a_graphql_apply_refuses_the_rows_of_another_brand(
    world, django_capture_on_commit_callbacks
):
    """The same per-row rule as the portal: an operator of another brand of
    the workshop uploads a row for the workshop's own brand: a row error."""
    from tests.factories import make_brand

    brand, workshop, _ = world
    other = make_brand()
    workshop.brands.add(other)
    operator = make_user()
    grant(operator, Role.BRAND_OPERATOR, other)
    client, token = _signed_in(operator)

    with django_capture_on_commit_callbacks(execute=True):
        created = _upload_catalogue(
            client, token, workshop, _content(brand, products=1), dry_run=False
        ).json()["data"]["catalogImportCreate"]
    assert created["errors"] == []

    job = _gql(client, JOB, {"id": created["job"]["id"]}, token)["data"]["importJob"]
    assert job["status"] == "DONE" and job["createdCount"] == 0
    (problem,) = [edge["node"] for edge in job["problems"]["edges"]]
    assert (problem["row"], problem["code"]) == (2, "permission_denied")
    assert "You may not change this product" in problem["message"]
    assert not Product.objects.exists()


def test_catalog_import_rerun_runs_an_interrupted_job_again(
    world, django_capture_on_commit_callbacks
):
    from catalog_import import services

    brand, workshop, manager = world
    client, token = _signed_in(manager)
    with django_capture_on_commit_callbacks(execute=True):
        created = _upload_catalogue(
            client, token, workshop, _content(brand, products=2), dry_run=False
        ).json()["data"]["catalogImportCreate"]
    job = ImportJob.objects.get()
    # As the sweep leaves a job whose worker was killed.
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, failure_code="interrupted"
    )
    Product.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        rerun = _gql(client, RERUN, {"job": created["job"]["id"]}, token)
    body = rerun["data"]["catalogImportRerun"]

    assert body["errors"] == [] and body["job"]["canRunAgain"] is False
    job.refresh_from_db()
    assert (job.status, job.created_count) == (ImportStatus.DONE, 2)
    again = _gql(client, RERUN, {"job": created["job"]["id"]}, token)
    (error,) = again["data"]["catalogImportRerun"]["errors"]
    assert error["code"] == "JOB_NOT_RERUNNABLE"
    assert services.import_jobs_fail_stalled() == 0
