"""A fake Prometheus for the simulated cluster's canary analyses.

Serves `/api/v1/query` (GET or form POST, as Prometheus' Go client sends it, which Argo Rollouts uses)
with answers from a script (see analysis_script), and remembers every query so a test can check what
the controller asked: which service, which canary hash, which measurement.

  PUT  /-/script   {"default": "healthy", "services": {"auth": "errors-5xx"}}   replace the script
  GET  /-/script                                                            the script in force
  GET  /-/queries?job=auth                                                  queries received, oldest first
  GET  /-/ready                                                             readiness

Run: `python -m matjip_devstack.cluster.fake_prometheus --port P`.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from matjip_devstack.cluster.analysis_script import Script, answer, canary_hash_of, classify, job_of

MAX_REMEMBERED = 5000


def _format(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": "Bad request", "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


def create_app() -> Starlette:
    state: dict[str, Any] = {"script": Script(), "queries": []}

    async def query(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            # Prometheus' Go client posts the query form-encoded (parsed here: no multipart library needed).
            body = (await request.body()).decode()
            params.update({k: v[-1] for k, v in parse_qs(body).items()})
        promql = params.get("query", "")
        if not promql:
            return JSONResponse({"status": "error", "errorType": "bad_data", "error": "no query given"},
                                status_code=400)
        script: Script = state["script"]
        measure = classify(promql)
        behaviour = script.behaviour_for(promql)
        result = answer(behaviour, measure)
        record = {"at": time.time(), "query": promql, "job": job_of(promql), "canary_hash": canary_hash_of(promql),
                  "measure": measure, "behaviour": behaviour,
                  "answer": result.error or (None if result.value is None else _format(result.value))}
        queries: list[dict[str, Any]] = state["queries"]
        queries.append(record)
        del queries[:-MAX_REMEMBERED]
        if result.error is not None:
            status = 400 if measure == "unknown" else 503
            kind = "bad_data" if measure == "unknown" else "unavailable"
            return JSONResponse({"status": "error", "errorType": kind, "error": result.error}, status_code=status)
        samples = [] if result.value is None else [{"metric": {}, "value": [time.time(), _format(result.value)]}]
        return JSONResponse({"status": "success", "data": {"resultType": "vector", "result": samples}})

    async def put_script(request: Request) -> Response:
        try:
            body = await request.json()
            script = Script(default=str(body.get("default", "healthy")),
                            services={str(k): str(v) for k, v in dict(body.get("services", {})).items()})
        except (ValueError, TypeError, AttributeError) as exc:
            return _problem(400, str(exc))
        state["script"] = script
        return JSONResponse({"default": script.default, "services": script.services})

    async def get_script(_: Request) -> Response:
        script: Script = state["script"]
        return JSONResponse({"default": script.default, "services": script.services})

    async def get_queries(request: Request) -> Response:
        job = request.query_params.get("job")
        queries = [q for q in state["queries"] if job is None or q["job"] == job]
        return JSONResponse(queries)

    async def ready(_: Request) -> Response:
        return Response("Prometheus (fake) is Ready.\n")

    return Starlette(routes=[
        Route("/api/v1/query", query, methods=["GET", "POST"]),
        Route("/-/script", put_script, methods=["PUT"]),
        Route("/-/script", get_script, methods=["GET"]),
        Route("/-/queries", get_queries, methods=["GET"]),
        Route("/-/ready", ready, methods=["GET"]),
        Route("/-/healthy", ready, methods=["GET"]),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
