// The whole journey, two people at once: a customer on a phone and a store owner at a desk. Neither page
// is ever reloaded; everything they see change arrives over the notification service's live stream.
import { expect, test } from "@playwright/test";

import {
  DESKTOP,
  PHONE,
  SEOUL_CITY_HALL,
  chimes,
  countChimes,
  markDocument,
  screenshot,
  shop,
  signInThroughTheApp,
  stillTheSameDocument,
  unique,
} from "./support";

test("a customer orders on a phone while the owner runs the store live, through a network drop", async ({ browser, request }) => {
  const { owner, store } = await shop(request, [
    { name: "떡볶이", price: 9000 },
    { name: "김밥", price: 4500 },
  ]);

  // The owner opens the store's live inbox at the desk.
  const desk = await browser.newContext(DESKTOP);
  await desk.addInitScript(countChimes);
  const ownerPage = await desk.newPage();
  await signInThroughTheApp(ownerPage, owner);
  await expect(ownerPage).toHaveURL(/\/owner$/);
  await ownerPage.getByRole("link", { name: store.name }).click();
  await expect(ownerPage.getByRole("heading", { name: "새 주문 0" })).toBeVisible();
  await markDocument(ownerPage);

  // A new customer signs up on a phone and finds the store by name.
  const pocket = await browser.newContext({ ...PHONE, geolocation: SEOUL_CITY_HALL, permissions: ["geolocation"] });
  const phone = await pocket.newPage();
  await phone.goto("/signup");
  await phone.getByLabel("이름(닉네임)").fill("이지우");
  await phone.getByLabel("이메일").fill(`jiwoo-${unique()}@matjip.test`);
  await phone.getByLabel("비밀번호").fill(`pw-${unique()}-${unique()}`);
  await phone.getByRole("button", { name: "가입하기" }).click();
  await expect(phone.getByRole("heading", { name: "오늘 뭐 먹지?" })).toBeVisible();
  await phone.getByLabel("가게 이름으로 찾기").fill(store.name);
  await phone.getByRole("button", { name: "찾기" }).click();
  await expect(phone.getByText("가게 1곳")).toBeVisible();
  await screenshot(phone, "customer-home");
  await markDocument(phone);
  await phone.getByRole("link", { name: new RegExp(store.name) }).click();

  await expect(phone.getByRole("heading", { name: store.name })).toBeVisible();
  await phone.getByRole("button", { name: "떡볶이 담기" }).click();
  await phone.getByRole("button", { name: "떡볶이 하나 더" }).click();
  await expect(phone.getByRole("link", { name: "장바구니 보기 · 2개 · 18,000원" })).toBeVisible();
  await screenshot(phone, "customer-store");
  await phone.getByRole("link", { name: /장바구니 보기/ }).click();
  await expect(phone.getByTestId("cart-total")).toHaveText("18,000원");
  await screenshot(phone, "customer-cart");
  await phone.getByRole("button", { name: "18,000원 주문하기" }).click();

  // The saga runs; the tracker shows each status as it happens.
  await expect(phone).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  const orderId = phone.url().split("/").pop() ?? "";
  const status = phone.getByTestId("order-status");
  await expect(status).toHaveAttribute("data-status", "AWAITING_STORE");
  await expect(status).toHaveText("결제 완료! 가게가 주문을 확인하고 있어요");

  // The order appears in the owner's inbox without a reload: a card, a chime, the title's count.
  const card = ownerPage.locator(`[data-testid=inbox-order][data-order-id="${orderId}"]`);
  await expect(card).toBeVisible();
  await expect(card).toHaveAttribute("data-status", "PENDING");
  await expect(card).toHaveClass(/card--alert/);
  await expect(ownerPage).toHaveTitle(/^\(1\) /);
  await expect(ownerPage.getByTestId("inbox-announcement")).toContainText("새 주문");
  expect(await chimes(ownerPage)).toBeGreaterThan(0);
  await screenshot(ownerPage, "owner-inbox-new-order");

  await card.getByRole("button", { name: "20분" }).click();
  await card.getByRole("button", { name: /수락$/ }).click();
  await expect(status).toHaveText("가게가 주문을 수락했어요 · 약 20분");
  await expect(ownerPage).not.toHaveTitle(/^\(1\) /);

  // The phone loses its network; the owner moves the order on meanwhile.
  await pocket.setOffline(true);
  await expect(phone.getByTestId("reconnecting")).toBeVisible();
  const kitchen = ownerPage.locator(`[data-testid=inbox-order][data-order-id="${orderId}"]`);
  await kitchen.getByRole("button", { name: /조리 시작$/ }).click();
  await expect(kitchen).toHaveAttribute("data-status", "PREPARING");
  await kitchen.getByRole("button", { name: /준비 완료$/ }).click();
  await expect(kitchen).toHaveAttribute("data-status", "READY");
  await pocket.setOffline(false);

  // Back online: the stream resumes after the last event it had, and nothing is lost.
  await expect(status).toHaveAttribute("data-status", "READY");
  await expect(phone.getByTestId("reconnecting")).toBeHidden();
  const log = phone.getByTestId("live-log");
  await expect(log).toContainText("음식을 만들고 있어요");
  await expect(log).toContainText("음식이 준비됐어요");

  await kitchen.getByRole("button", { name: /픽업 완료$/ }).click();
  await expect(status).toHaveText("주문이 완료됐어요. 맛있게 드세요!");
  await screenshot(phone, "customer-tracker");

  // The customer reviews the order; the owner sees it and today's sales.
  await phone.getByRole("radio", { name: "별 5개" }).check();
  await phone.getByLabel("리뷰 내용").fill("떡볶이가 쫄깃하고 적당히 매워요. 또 시킬게요!");
  await phone.getByRole("button", { name: "리뷰 올리기" }).click();
  await expect(phone.getByText("리뷰를 남겨 주셔서 고마워요!")).toBeVisible();

  await expect(ownerPage.getByTestId("sales-amount")).toHaveText("18,000원");
  await expect(ownerPage.getByTestId("sales-sold")).toHaveText("1");
  await screenshot(ownerPage, "owner-inbox");
  expect(await stillTheSameDocument(phone), "the customer's page was reloaded").toBe(true);
  expect(await stillTheSameDocument(ownerPage), "the owner's page was reloaded").toBe(true);

  await ownerPage.getByRole("link", { name: "리뷰" }).click();
  await expect(ownerPage.getByText("떡볶이가 쫄깃하고 적당히 매워요. 또 시킬게요!")).toBeVisible();

  await pocket.close();
  await desk.close();
});
