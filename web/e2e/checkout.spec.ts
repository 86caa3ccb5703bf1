// Checkout's promises: one order however the button is pressed or the connection behaves, a declined
// card said in words, and one store per cart.
import { expect, test } from "@playwright/test";

import {
  PHONE,
  addDish,
  openStore,
  ordersOf,
  payLike,
  putInCart,
  shop,
  signInThroughTheApp,
  signUp,
  the,
  unique,
  waitSellable,
} from "./support";

test.use(PHONE);

test("double-tapping order makes one order", async ({ page, request }) => {
  const { dishes } = await shop(request, [{ name: "순대", price: 6000 }]);
  const customer = await signUp(request, "CUSTOMER", "박서준");
  await putInCart(request, customer, the(dishes), 1);
  await signInThroughTheApp(page, customer);
  await page.goto("/cart");
  const order = page.getByRole("button", { name: "6,000원 주문하기" });
  await expect(order).toBeEnabled();
  // Two taps in the same instant, before the page can disable the button.
  await order.evaluate((button: HTMLButtonElement) => {
    button.click();
    button.click();
  });
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("order-status")).toBeVisible();
  expect((await ordersOf(request, customer)).length).toBe(1);
});

test("a retry after the connection dropped mid-checkout makes no second order", async ({ page, request }) => {
  const { dishes } = await shop(request, [{ name: "튀김", price: 5000 }]);
  const customer = await signUp(request, "CUSTOMER", "최하윤");
  await putInCart(request, customer, the(dishes), 2);
  await signInThroughTheApp(page, customer);
  await page.goto("/cart");

  // The first checkout reaches the service, but its answer never reaches the phone.
  let dropped = 0;
  await page.route("**/api/order/orders", async (route) => {
    if (route.request().method() !== "POST" || dropped > 0) return route.fallback();
    dropped += 1;
    await route.fetch();
    await route.abort("connectionreset");
  });
  await page.getByRole("button", { name: "10,000원 주문하기" }).click();
  await expect(page.getByRole("alert")).toHaveText(/인터넷 연결이 끊겼어요/);
  expect((await ordersOf(request, customer)).length).toBe(1);

  // The customer taps again: the same Idempotency-Key brings back the order already made.
  await page.getByRole("button", { name: "10,000원 주문하기" }).click();
  await expect(page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  const orders = await ordersOf(request, customer);
  expect(orders.length).toBe(1);
  expect(page.url()).toContain(the(orders).order_id);
});

test("a declined payment shows its reason", async ({ page, request }) => {
  const { dishes } = await shop(request, [{ name: "라면", price: 4000 }]);
  const customer = await signUp(request, "CUSTOMER", "정민서");
  await payLike(request, customer, "decline");
  await putInCart(request, customer, the(dishes), 1);
  await signInThroughTheApp(page, customer);
  await page.goto("/cart");
  await page.getByRole("button", { name: "4,000원 주문하기" }).click();
  const status = page.getByTestId("order-status");
  await expect(status).toHaveAttribute("data-status", "CANCELLED");
  await expect(status).toHaveText("주문이 취소됐어요");
  await expect(page.getByTestId("cancel-reason")).toContainText(
    "결제가 되지 않아 주문이 취소됐어요. 카드사에서 결제를 거절했어요. 다른 카드로 다시 주문해 주세요.",
  );
  await expect(page.getByRole("button", { name: "주문 취소" })).toHaveCount(0);
});

test("a cart holds one store: switching asks, with the service's rule", async ({ page, request }) => {
  const first = await shop(request, [{ name: "쫄면", price: 7000 }]);
  const other = await openStore(request, first.owner, `두번째집 ${unique()}`);
  const mandu = await addDish(request, first.owner, other, { name: "만두", price: 5000 });
  await waitSellable(request, other, [mandu]);
  const customer = await signUp(request, "CUSTOMER", "강도윤");
  await putInCart(request, customer, the(first.dishes), 1);
  await signInThroughTheApp(page, customer);

  await page.goto(`/stores/${other.id}`);
  await page.getByRole("button", { name: "만두 담기" }).click();
  const question = page.getByRole("alertdialog");
  await expect(question).toContainText("장바구니에는 한 가게의 메뉴만 담을 수 있어요.");
  await expect(question).toContainText(first.store.name);
  await question.getByRole("button", { name: "그대로 두기" }).click();
  await expect(question).toBeHidden();

  await page.getByRole("button", { name: "만두 담기" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "비우고 담기" }).click();
  await expect(page.getByRole("link", { name: "장바구니 보기 · 1개 · 5,000원" })).toBeVisible();
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
  await expect(page.getByRole("link", { name: other.name })).toBeVisible();
});
