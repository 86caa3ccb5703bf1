// The owner console: opening and setting up a store, the menu with stock and the sold-out switch, and the
// inbox's refusals: a rejection with a reason, and an order left unanswered until it times out.
import { expect, test } from "@playwright/test";

import { DESKTOP, PHONE, orderOf, placeOrder, screenshot, shop, signInThroughTheApp, signUp, the, unique } from "./support";

test.use(DESKTOP);

test("an owner opens a store, sets its hours, switches and menu, and customers see them", async ({ page, request, browser }) => {
  await page.goto("/signup?role=OWNER");
  await expect(page.getByRole("radio", { name: "가게를 운영해요 (사장님)" })).toBeChecked();
  await page.getByLabel("이름(닉네임)").fill("한사장");
  await page.getByLabel("이메일").fill(`owner-${unique()}@matjip.test`);
  await page.getByLabel("비밀번호").fill(`pw-${unique()}-${unique()}`);
  await page.getByRole("button", { name: "가입하기" }).click();
  await expect(page.getByRole("heading", { name: "내 가게" })).toBeVisible();

  const name = `한강분식 ${unique()}`;
  await page.getByRole("button", { name: "새 가게 열기" }).click();
  await page.getByLabel("가게 이름").fill(name);
  await page.getByLabel("가게 소개").fill("매일 아침 만드는 김밥");
  await page.getByLabel("가게 주소").fill("서울특별시 중구 세종대로 110");
  await page.getByRole("button", { name: "가게 열기" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const storeId = /\/owner\/stores\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? "";

  // Hours: open all day, every day. Switches: auto-accept on and off again.
  await page.getByRole("button", { name: "매일 24시간" }).click();
  await page.getByRole("button", { name: "영업시간 저장" }).click();
  await expect(page.getByText("저장했어요.").last()).toBeVisible();
  await page.getByRole("switch", { name: "자동 수락" }).check();
  await page.getByRole("button", { name: "저장", exact: true }).click();
  await expect.poll(async () => (await (await request.get(`/api/store/stores/${storeId}`)).json()).auto_accept).toBe(true);
  await page.getByRole("switch", { name: "자동 수락" }).uncheck();
  await page.getByRole("button", { name: "저장", exact: true }).click();
  await expect.poll(async () => (await (await request.get(`/api/store/stores/${storeId}`)).json()).auto_accept).toBe(false);
  const store = await (await request.get(`/api/store/stores/${storeId}`)).json();
  expect(store.open_now).toBe(true);
  await screenshot(page, "owner-settings");

  // The menu: a category, a dish with an option and stock, then the sold-out switch.
  await page.getByRole("link", { name: "메뉴" }).click();
  await page.getByLabel("새 카테고리 이름").fill("분식");
  await page.getByRole("button", { name: "카테고리 추가" }).click();
  await expect(page.getByRole("button", { name: "분식 카테고리 삭제" })).toBeVisible();
  await page.getByRole("button", { name: "메뉴 추가" }).click();
  await page.getByLabel("메뉴 이름").fill("참치김밥");
  await page.getByLabel("설명").fill("참치와 마요네즈 듬뿍");
  await page.getByLabel("가격 (원)").fill("4500");
  await page.getByLabel("재고", { exact: true }).fill("30");
  await page.getByRole("combobox", { name: "카테고리" }).selectOption({ label: "분식" });
  await page.getByRole("button", { name: "옵션 추가" }).click();
  await page.getByLabel("옵션 이름").fill("치즈 추가");
  await page.getByLabel("추가 가격 (원)").fill("500");
  await page.getByRole("button", { name: "저장", exact: true }).click();
  const dish = page.getByTestId("menu-editor-item").filter({ hasText: "참치김밥" });
  await expect(dish).toContainText("4,500원");
  await expect(dish).toContainText("재고 30개");
  await expect(dish).toContainText("치즈 추가");
  await screenshot(page, "owner-menu");

  // A customer sees the dish; the owner sells out; the customer sees that too.
  const visitor = await browser.newPage();
  await visitor.goto(`/stores/${storeId}`);
  await expect(visitor.getByRole("heading", { name: "참치김밥" })).toBeVisible();
  await expect(visitor.getByRole("button", { name: "참치김밥 담기" })).toBeEnabled();
  await dish.getByRole("switch", { name: "참치김밥 품절" }).check();
  await expect(dish).toContainText("품절");
  await visitor.reload();
  await expect(visitor.getByTestId("menu-item").filter({ hasText: "참치김밥" })).toContainText("품절");
  await expect(visitor.getByRole("button", { name: "품절" })).toBeDisabled();
  await dish.getByRole("switch", { name: "참치김밥 품절" }).uncheck();
  await dish.getByLabel("참치김밥 재고").fill("2");
  await dish.getByRole("button", { name: "재고 저장" }).click();
  await expect(dish).toContainText("재고 2개");
  await visitor.reload();
  await expect(visitor.getByTestId("menu-item").filter({ hasText: "참치김밥" })).toContainText("2개 남음");
  await visitor.close();
});

test("a rejected order leaves with the owner's reason; an unanswered one times out with the reason", async ({ page, request, browser }) => {
  const { owner, store, dishes } = await shop(request, [{ name: "어묵", price: 3000 }]);
  const customer = await signUp(request, "CUSTOMER", "윤서아");
  await signInThroughTheApp(page, owner);
  await page.goto(`/owner/stores/${store.id}`);
  await expect(page.getByRole("heading", { name: "새 주문 0" })).toBeVisible();

  const rejected = await placeOrder(request, customer, store, the(dishes));
  const card = page.locator(`[data-testid=inbox-order][data-order-id="${rejected}"]`);
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: "거절" }).click();
  await card.getByLabel("거절 사유").fill("재료가 다 떨어졌어요");
  await card.getByRole("button", { name: /거절하기$/ }).click();
  await expect(card).toHaveCount(0);
  await expect(page.getByTestId("done-order").filter({ hasText: "거절함" })).toContainText("재료가 다 떨어졌어요");
  await expect
    .poll(async () => (await orderOf(request, customer, rejected)).cancel_detail, { timeout: 30_000 })
    .toBe("재료가 다 떨어졌어요");

  // This one the owner leaves alone: the store service expires it at its acceptance deadline. The customer
  // follows it on a phone.
  const pocket = await browser.newContext(PHONE);
  const phone = await pocket.newPage();
  await signInThroughTheApp(phone, customer);
  const unanswered = await placeOrder(request, customer, store, the(dishes));
  const waiting = page.locator(`[data-testid=inbox-order][data-order-id="${unanswered}"]`);
  await expect(waiting).toBeVisible();
  await expect(waiting).toContainText(/안에 확인|확인 시간이 지났어요/);
  await phone.goto(`/orders/${unanswered}`);
  await expect(waiting).toHaveCount(0, { timeout: 90_000 });
  await expect(page.getByTestId("departure")).toContainText("제시간에 확인하지 않아 자동으로 취소됐어요");
  await expect(page.getByTestId("done-order").filter({ hasText: "시간 초과" })).toContainText("확인 시간이 지나 자동으로 취소됐어요.");
  expect((await orderOf(request, customer, unanswered)).cancel_reason).toBe("store_timeout");

  // The customer reads why, in words.
  await expect(phone.getByTestId("order-status")).toHaveAttribute("data-status", "CANCELLED", { timeout: 30_000 });
  await expect(phone.getByTestId("cancel-reason")).toContainText("가게가 제시간에 주문을 확인하지 못해 취소됐어요.");
  await pocket.close();
});
