// The owner's menu editor: categories, dishes with prices and options, stock and the sold-out switch.
import { useEffect, useState } from "preact/hooks";

import { api, ok } from "../api/http";
import { fieldErrorsOf } from "../api/problem";
import type { Category, MenuItem, StoreMenu } from "../api/types";
import { useT } from "../i18n";
import { useLoad } from "../lib/load";
import { checkText, checkWhole, problems } from "../lib/validation";
import { ErrorMessage, Loader } from "../ui/feedback";
import { Field, Submit, Switch, TextArea, TextField, onSubmit } from "../ui/forms";

const MAX_PRICE = 10_000_000;

interface OptionDraft {
  option_id?: string;
  name: string;
  extra_price: string;
}

interface ItemDraft {
  name: string;
  description: string;
  price: string;
  category_id: string;
  stock: string;
  options: OptionDraft[];
}

function itemDraft(item: MenuItem | null): ItemDraft {
  return {
    name: item?.name ?? "",
    description: item?.description ?? "",
    price: item ? String(item.price) : "",
    category_id: item?.category_id ?? "",
    stock: item?.stock_quantity === null || item === null ? "" : String(item.stock_quantity),
    options: (item?.options ?? []).map((o) => ({ option_id: o.option_id, name: o.name, extra_price: String(o.extra_price) })),
  };
}

function ItemForm({
  item,
  categories,
  onSave,
  onCancel,
}: {
  item: MenuItem | null;
  categories: Category[];
  onSave: (draft: ItemDraft) => Promise<void>;
  onCancel: () => void;
}) {
  const t = useT();
  const [draft, setDraft] = useState(() => itemDraft(item));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<Record<string, string>>({});
  const set = (field: "name" | "description" | "price" | "category_id" | "stock") => (value: string) =>
    setDraft({ ...draft, [field]: value });
  const setOption = (index: number, patch: Partial<OptionDraft>) =>
    setDraft({ ...draft, options: draft.options.map((o, i) => (i === index ? { ...o, ...patch } : o)) });

  const save = async () => {
    const found = problems({
      name: checkText(draft.name, { max: 200 }),
      description: checkText(draft.description, { max: 2000, required: false }),
      price: checkWhole(draft.price, { min: 0, max: MAX_PRICE }),
      stock: item ? null : checkWhole(draft.stock, { min: 0, max: 1_000_000, optional: true }),
      options: draft.options.some((o) => !o.name.trim() || checkWhole(o.extra_price, { min: 0, max: MAX_PRICE }))
        ? { key: "menuEdit.optionInvalid" as const }
        : null,
    });
    setInvalid(Object.fromEntries(Object.entries(found).map(([f, p]) => [f, t(p.key, p.params)])));
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      await onSave(draft);
    } catch (caught) {
      setError(caught);
      setInvalid(fieldErrorsOf(caught, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form card" onSubmit={onSubmit(save)} noValidate>
      <TextField label={t("menuEdit.name")} value={draft.name} onValue={set("name")} maxLength={200} error={invalid.name} />
      <TextArea label={t("menuEdit.description")} value={draft.description} onValue={set("description")} error={invalid.description} />
      <div class="row">
        <TextField label={t("menuEdit.price")} inputMode="numeric" value={draft.price} onValue={set("price")} error={invalid.price} />
        {!item && (
          <TextField
            label={t("menuEdit.stock")}
            hint={t("menuEdit.stockHint")}
            inputMode="numeric"
            value={draft.stock}
            onValue={set("stock")}
            error={invalid.stock}
          />
        )}
        <Field label={t("menuEdit.category")}>
          {({ id }) => (
            <select id={id} value={draft.category_id} onChange={(e) => set("category_id")(e.currentTarget.value)}>
              <option value="">{t("menu.other")}</option>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset class="form">
        <legend>{t("menuEdit.options")}</legend>
        {draft.options.map((option, index) => (
          <div key={option.option_id ?? `new-${index}`} class="row">
            <TextField label={t("menuEdit.optionName")} value={option.name} onValue={(name) => setOption(index, { name })} />
            <TextField
              label={t("menuEdit.optionPrice")}
              inputMode="numeric"
              value={option.extra_price}
              onValue={(extra_price) => setOption(index, { extra_price })}
            />
            <button
              type="button"
              class="button button--small button--ghost"
              onClick={() => setDraft({ ...draft, options: draft.options.filter((_, i) => i !== index) })}
            >
              {t("common.remove")}
            </button>
          </div>
        ))}
        {invalid.options && <p class="field__error">{invalid.options}</p>}
        <p>
          <button
            type="button"
            class="button button--small"
            onClick={() => setDraft({ ...draft, options: [...draft.options, { name: "", extra_price: "0" }] })}
          >
            {t("menuEdit.addOption")}
          </button>
        </p>
      </fieldset>
      <ErrorMessage error={error} />
      <div class="buttons">
        <Submit busy={busy}>{t("common.save")}</Submit>
        <button type="button" class="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}

function itemBody(draft: ItemDraft) {
  return {
    name: draft.name.trim(),
    description: draft.description.trim(),
    price: Number(draft.price),
    category_id: draft.category_id || null,
    options: draft.options.map((o) => ({
      ...(o.option_id ? { option_id: o.option_id } : {}),
      name: o.name.trim(),
      extra_price: Number(o.extra_price),
    })),
  };
}

// Per dish, the last stock change sent: one at a time, in the order the owner made them (two requests in
// flight may arrive swapped).
const stockChanges = new Map<string, Promise<void>>();

function StockControl({ storeId, item, onItem }: { storeId: string; item: MenuItem; onItem: () => Promise<void> }) {
  const t = useT();
  const [quantity, setQuantity] = useState(item.stock_quantity === null ? "" : String(item.stock_quantity));
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  // The owner's switch: sold out whatever the count (the item may also be sold out by a count of 0).
  const switchedOff = item.sold_out && item.stock_quantity !== 0;
  // What the owner last chose, before the server has answered: a count saved right after flipping the
  // switch must not send the switch's old position.
  const [soldOut, setSoldOut] = useState(switchedOff);
  useEffect(() => setSoldOut(switchedOff), [switchedOff]);

  const send = async (off: boolean, count: string) => {
    setError(undefined);
    try {
      await ok(
        api.store.PUT("/api/store/stores/{store_id}/menu-items/{item_id}/stock", {
          params: { path: { store_id: storeId, item_id: item.id } },
          body: { quantity: count.trim() ? Number(count) : null, sold_out: off },
        }),
      );
      await onItem();
    } catch (caught) {
      setError(caught);
    }
  };

  const put = (off: boolean, count: string): Promise<void> => {
    const problem = checkWhole(count, { min: 0, max: 1_000_000, optional: true });
    setInvalid(problem ? t(problem.key, problem.params) : undefined);
    if (problem) return Promise.resolve();
    setSoldOut(off);
    const next = (stockChanges.get(item.id) ?? Promise.resolve()).then(() => send(off, count));
    stockChanges.set(item.id, next);
    return next;
  };

  return (
    <div class="form">
      <Switch label={t("menuEdit.soldOutSwitch", { name: item.name })} checked={soldOut} onChange={(on) => void put(on, quantity)} />
      <form class="form form--inline" onSubmit={onSubmit(() => put(soldOut, quantity))} noValidate>
        <TextField
          label={t("menuEdit.stockOf", { name: item.name })}
          hint={t("menuEdit.stockHint")}
          inputMode="numeric"
          value={quantity}
          onValue={setQuantity}
          error={invalid}
        />
        <button type="submit" class="button button--small">
          {t("menuEdit.setStock")}
        </button>
      </form>
      <ErrorMessage error={error} />
    </div>
  );
}

function Categories({ storeId, categories, onChange }: { storeId: string; categories: Category[]; onChange: () => Promise<void> }) {
  const t = useT();
  const [name, setName] = useState("");
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const run = async (work: () => Promise<unknown>) => {
    setError(undefined);
    setBusy(true);
    try {
      await work();
      await onChange();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const add = () => {
    const problem = checkText(name, { max: 100 });
    setInvalid(problem ? t(problem.key, problem.params) : undefined);
    if (problem) return Promise.resolve();
    return run(async () => {
      await ok(
        api.store.POST("/api/store/stores/{store_id}/categories", {
          params: { path: { store_id: storeId } },
          body: { name: name.trim(), position: categories.length },
        }),
      );
      setName("");
    });
  };

  return (
    <section aria-labelledby="categories-title">
      <h2 id="categories-title">{t("menuEdit.categories")}</h2>
      <ul class="cards">
        {categories.map((category) => (
          <li key={category.id} class="card card__title">
            <span>{category.name}</span>
            <button
              type="button"
              class="button button--small button--ghost"
              disabled={busy}
              onClick={() =>
                void run(() =>
                  ok(
                    api.store.DELETE("/api/store/stores/{store_id}/categories/{category_id}", {
                      params: { path: { store_id: storeId, category_id: category.id } },
                    }),
                  ),
                )
              }
            >
              {t("menuEdit.removeCategory", { name: category.name })}
            </button>
          </li>
        ))}
      </ul>
      <form class="form form--inline" onSubmit={onSubmit(add)} noValidate>
        <TextField label={t("menuEdit.newCategory")} value={name} onValue={setName} maxLength={100} error={invalid} />
        <Submit busy={busy} class="button">
          {t("menuEdit.addCategory")}
        </Submit>
      </form>
      <ErrorMessage error={error} />
    </section>
  );
}

function allItems(menu: StoreMenu): MenuItem[] {
  return [...menu.categories.flatMap((c) => c.items), ...menu.uncategorized];
}

export function MenuEditor({ storeId }: { storeId: string }) {
  const t = useT();
  const menu = useLoad(() => ok(api.store.GET("/api/store/stores/{store_id}/menu", { params: { path: { store_id: storeId } } })), [storeId]);
  const [editing, setEditing] = useState<string | "new" | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const remove = async (item: MenuItem) => {
    if (!window.confirm(t("menuEdit.confirmRemove", { name: item.name }))) return;
    setError(undefined);
    try {
      await ok(
        api.store.DELETE("/api/store/stores/{store_id}/menu-items/{item_id}", { params: { path: { store_id: storeId, item_id: item.id } } }),
      );
      await menu.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <Loader loaded={menu}>
      {(found) => {
        const categories: Category[] = found.categories.map(({ id, name, position }) => ({ id, name, position }));
        return (
          <>
            <Categories storeId={storeId} categories={categories} onChange={menu.reload} />
            <section aria-labelledby="dishes-title">
              <h2 id="dishes-title">{t("menuEdit.dishes")}</h2>
              <ErrorMessage error={error} />
              <ul class="cards cards--grid">
                {allItems(found).map((item) => (
                  <li key={item.id} class="card" data-testid="menu-editor-item">
                    {editing === item.id ? (
                      <ItemForm
                        item={item}
                        categories={categories}
                        onCancel={() => setEditing(null)}
                        onSave={async (draft) => {
                          await ok(
                            api.store.PATCH("/api/store/stores/{store_id}/menu-items/{item_id}", {
                              params: { path: { store_id: storeId, item_id: item.id } },
                              body: itemBody(draft),
                            }),
                          );
                          setEditing(null);
                          await menu.reload();
                        }}
                      />
                    ) : (
                      <>
                        <div class="card__title">
                          <h3>{item.name}</h3>
                          <span class="price">{t.won(item.price)}</span>
                        </div>
                        <p class="meta">
                          {item.sold_out ? t("menu.soldOut") : item.stock_quantity === null ? t("menuEdit.unlimited") : t("menuEdit.left", { count: item.stock_quantity })}
                          {item.options.length > 0 && ` · ${item.options.map((o) => o.name).join(", ")}`}
                        </p>
                        <StockControl storeId={storeId} item={item} onItem={menu.reload} />
                        <div class="buttons">
                          <button type="button" class="button button--small" onClick={() => setEditing(item.id)}>
                            {t("menuEdit.edit", { name: item.name })}
                          </button>
                          <button type="button" class="button button--small button--ghost" onClick={() => void remove(item)}>
                            {t("menuEdit.remove", { name: item.name })}
                          </button>
                        </div>
                      </>
                    )}
                  </li>
                ))}
              </ul>
              {editing === "new" ? (
                <ItemForm
                  item={null}
                  categories={categories}
                  onCancel={() => setEditing(null)}
                  onSave={async (draft) => {
                    await ok(
                      api.store.POST("/api/store/stores/{store_id}/menu-items", {
                        params: { path: { store_id: storeId } },
                        body: {
                          ...itemBody(draft),
                          position: 0,
                          sold_out: false,
                          stock_quantity: draft.stock.trim() ? Number(draft.stock) : null,
                        },
                      }),
                    );
                    setEditing(null);
                    await menu.reload();
                  }}
                />
              ) : (
                <p>
                  <button type="button" class="button button--primary" onClick={() => setEditing("new")}>
                    {t("menuEdit.addDish")}
                  </button>
                </p>
              )}
            </section>
          </>
        );
      }}
    </Loader>
  );
}
