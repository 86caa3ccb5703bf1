"""A stand-in replica of a service for the edge's replica tests: `python replica_app.py PORT NAME MODE`.

Serves /health/ready and everything under /api/order/ (echoing the method, body and its own NAME);
`/api/order/crash` raises. MODE `platform` answers that crash the way every Matjip service does (the
platform's error handling); MODE `bare` lets Starlette's fallback answer it, after which uvicorn closes the
keep-alive connection.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from matjip_platform.errors import install_error_handlers

port, name, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
app = FastAPI()


@app.get("/health/ready")
async def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.api_route("/api/order/crash", methods=["GET", "POST"])
async def crash() -> None:
    raise RuntimeError("boom")


@app.api_route("/api/order/{rest:path}", methods=["GET", "POST", "PUT", "DELETE"])
async def echo(request: Request, rest: str) -> JSONResponse:
    body = await request.body()
    return JSONResponse({"replica": name, "method": request.method, "path": rest, "body": body.decode()},
                        headers={"x-replica": name})


if mode == "platform":
    install_error_handlers(app)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", timeout_keep_alive=75)
