"""Menus: anyone reads them; the store's owner (or an admin) edits categories, items and stock."""

from uuid import UUID

from fastapi import APIRouter, Response, status

from matjip_store.api.deps import Manager, UnitOfWorkDep
from matjip_store.api.schemas import (
    CategoryCreate,
    CategoryOut,
    CategoryPatch,
    MenuItemCreate,
    MenuItemOut,
    MenuItemPatch,
    MenuOut,
    MenuSection,
    StockBody,
)
from matjip_store.application import menu
from matjip_store.domain.stock import ItemStock

router = APIRouter(prefix="/api/store/stores/{store_id}", tags=["menu"])


@router.get("/menu")
async def get_menu(store_id: UUID, unit_of_work: UnitOfWorkDep) -> MenuOut:
    found = await menu.get_menu(unit_of_work, store_id)
    sections = {c.category_id: MenuSection(**CategoryOut.of(c).model_dump(), items=[]) for c in found.categories}
    uncategorized: list[MenuItemOut] = []
    for item in found.items:
        section = sections.get(item.category_id) if item.category_id else None
        (section.items if section is not None else uncategorized).append(MenuItemOut.of(item))
    return MenuOut(store_id=store_id, categories=list(sections.values()), uncategorized=uncategorized)


@router.get("/categories")
async def list_categories(store_id: UUID, unit_of_work: UnitOfWorkDep) -> list[CategoryOut]:
    categories = await menu.list_categories(unit_of_work, store_id)
    return [CategoryOut.of(c) for c in categories]


@router.post("/categories", status_code=status.HTTP_201_CREATED)
async def create_category(
    store_id: UUID, body: CategoryCreate, principal: Manager, unit_of_work: UnitOfWorkDep
) -> CategoryOut:
    category = await menu.create_category(unit_of_work, principal, store_id, body.name, body.position)
    return CategoryOut.of(category)


@router.patch("/categories/{category_id}")
async def update_category(
    store_id: UUID, category_id: UUID, body: CategoryPatch, principal: Manager, unit_of_work: UnitOfWorkDep
) -> CategoryOut:
    category = await menu.update_category(unit_of_work, principal, store_id, category_id, body.changes())
    return CategoryOut.of(category)


@router.delete("/categories/{category_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_category(
    store_id: UUID, category_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep
) -> Response:
    await menu.delete_category(unit_of_work, principal, store_id, category_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/menu-items", status_code=status.HTTP_201_CREATED)
async def create_menu_item(
    store_id: UUID, body: MenuItemCreate, principal: Manager, unit_of_work: UnitOfWorkDep
) -> MenuItemOut:
    draft = menu.ItemDraft(
        name=body.name,
        description=body.description,
        price=body.price,
        options=tuple(o.to_domain() for o in body.options),
        category_id=body.category_id,
        position=body.position,
        stock=ItemStock(body.stock_quantity, body.sold_out),
    )
    item = await menu.create_item(unit_of_work, principal, store_id, draft)
    return MenuItemOut.of(item)


@router.get("/menu-items/{item_id}")
async def get_menu_item(store_id: UUID, item_id: UUID, unit_of_work: UnitOfWorkDep) -> MenuItemOut:
    item = await menu.get_item(unit_of_work, store_id, item_id)
    return MenuItemOut.of(item)


@router.patch("/menu-items/{item_id}")
async def update_menu_item(
    store_id: UUID, item_id: UUID, body: MenuItemPatch, principal: Manager, unit_of_work: UnitOfWorkDep
) -> MenuItemOut:
    item = await menu.update_item(unit_of_work, principal, store_id, item_id, body.changes())
    return MenuItemOut.of(item)


@router.delete("/menu-items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_menu_item(store_id: UUID, item_id: UUID, principal: Manager, unit_of_work: UnitOfWorkDep) -> Response:
    await menu.remove_item(unit_of_work, principal, store_id, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/menu-items/{item_id}/stock")
async def set_stock(
    store_id: UUID, item_id: UUID, body: StockBody, principal: Manager, unit_of_work: UnitOfWorkDep
) -> MenuItemOut:
    item = await menu.set_stock(unit_of_work, principal, store_id, item_id, body.to_domain())
    return MenuItemOut.of(item)
