"""The path of the sandbox PG inside the payment process (/api/payment/sandbox-pg).

The route always exists, but leads somewhere only in sandbox mode: otherwise it answers 404 as if it
were not mounted (the PG then is the real one, elsewhere)."""

from fastapi import APIRouter
from starlette.types import Receive, Scope, Send

from matjip_payment.components import PaymentComponents
from matjip_payment.settings import SANDBOX_MOUNT_PATH
from matjip_platform.errors import problem_response


class SandboxGatewayMount:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        components: PaymentComponents | None = getattr(scope["app"].state, "components", None)
        if components is None or components.sandbox is None:
            response = problem_response(404, "Not Found", code="not_found", instance=scope.get("path"))
            await response(scope, receive, send)
            return
        await components.sandbox(scope, receive, send)


router = APIRouter()
router.mount(SANDBOX_MOUNT_PATH, SandboxGatewayMount(), name="sandbox-pg")
