//! The e-commerce preset (RULES.md §3): one row per Segment E-commerce v2 event, each a Bloomreach event type, a constant, attributes renamed from the event's properties, and the product lists.

use super::PresetEvent;
use crate::json::{Json, Obj};
use std::borrow::Cow;

/// A Bloomreach attribute and the Segment properties it takes its value from, in order of
/// preference (`total`, else `revenue`).
type Attribute = (&'static str, &'static [&'static str]);

/// What a row does with `products`.
#[derive(Clone, Copy, PartialEq)]
enum Products {
    /// Nothing: `products` is kept like any other property.
    Keep,
    /// `product_ids` and `product_list`; `products` is not kept.
    Lists,
    /// `listed_products`; `products` is not kept.
    Listed,
}

/// One row of RULES.md §3's table.
struct Row {
    /// The Segment track event's name.
    event: &'static str,
    event_type: &'static str,
    origin: &'static str,
    /// A constant attribute (`purchase_status`, `action`, `step_title`), set first.
    constant: Option<(&'static str, &'static str)>,
    attributes: &'static [&'static [Attribute]],
    products: Products,
    /// One `purchase_item` per product, with this origin.
    items: Option<&'static str>,
}

const PRODUCT: &[Attribute] = &[
    ("product_id", &["product_id"]),
    ("sku", &["sku"]),
    ("title", &["name"]),
    ("brand", &["brand"]),
    ("category", &["category"]),
    ("variant", &["variant"]),
    ("price", &["price"]),
];
const VIEWED_PRODUCT: &[Attribute] = &[
    ("local_currency", &["currency"]),
    ("url", &["url"]),
    ("image_url", &["image_url"]),
];
const QUANTITY: &[Attribute] = &[("quantity", &["quantity"])];
const CART: &[Attribute] = &[("quantity", &["quantity"]), ("cart_id", &["cart_id"])];
const ORDER: &[Attribute] = &[
    ("purchase_id", &["order_id"]),
    ("total_price", &["total", "revenue"]),
    ("local_currency", &["currency"]),
    ("voucher_code", &["coupon"]),
    ("discount_value", &["discount"]),
    ("shipping_cost", &["shipping"]),
    ("tax_value", &["tax"]),
];
const CHECKOUT: &[Attribute] = &[
    ("purchase_id", &["order_id"]),
    ("total_price", &["value", "revenue"]),
    ("local_currency", &["currency"]),
];
const CHECKOUT_STEP: &[Attribute] = &[
    ("step_number", &["step"]),
    ("shipping_type", &["shipping_method"]),
    ("payment_type", &["payment_method"]),
];
const PRODUCT_LIST: &[Attribute] = &[
    ("category_id", &["list_id"]),
    ("category_name", &["category"]),
];
/// What a `purchase_item` takes from its order (besides the order's `purchase_status`).
const ORDER_OF_ITEM: &[Attribute] = &[("purchase_id", &["order_id"])];
const CURRENCY_OF_ITEM: &[Attribute] = &[("local_currency", &["currency"])];
/// A `product_list` entry.
const PRODUCT_LIST_ENTRY: &[Attribute] =
    &[("product_id", &["product_id"]), ("quantity", &["quantity"])];

const ROWS: [Row; 8] = [
    Row {
        event: "Order Completed",
        event_type: "purchase",
        origin: "ecommerce: Order Completed → purchase",
        constant: Some(("purchase_status", "success")),
        attributes: &[ORDER],
        products: Products::Lists,
        items: Some("ecommerce: Order Completed → purchase_item"),
    },
    Row {
        event: "Order Refunded",
        event_type: "purchase",
        origin: "ecommerce: Order Refunded → purchase",
        constant: Some(("purchase_status", "refund")),
        attributes: &[ORDER],
        products: Products::Lists,
        items: Some("ecommerce: Order Refunded → purchase_item"),
    },
    Row {
        event: "Product Viewed",
        event_type: "view_item",
        origin: "ecommerce: Product Viewed → view_item",
        constant: None,
        attributes: &[PRODUCT, VIEWED_PRODUCT],
        products: Products::Keep,
        items: None,
    },
    Row {
        event: "Product Added",
        event_type: "cart_update",
        origin: "ecommerce: Product Added → cart_update",
        constant: Some(("action", "add")),
        attributes: &[PRODUCT, VIEWED_PRODUCT, CART],
        products: Products::Keep,
        items: None,
    },
    Row {
        event: "Product Removed",
        event_type: "cart_update",
        origin: "ecommerce: Product Removed → cart_update",
        constant: Some(("action", "remove")),
        attributes: &[PRODUCT, VIEWED_PRODUCT, CART],
        products: Products::Keep,
        items: None,
    },
    Row {
        event: "Product List Viewed",
        event_type: "view_category",
        origin: "ecommerce: Product List Viewed → view_category",
        constant: None,
        attributes: &[PRODUCT_LIST],
        products: Products::Listed,
        items: None,
    },
    Row {
        event: "Checkout Started",
        event_type: "checkout",
        origin: "ecommerce: Checkout Started → checkout",
        constant: Some(("step_title", "checkout_started")),
        attributes: &[CHECKOUT],
        products: Products::Lists,
        items: None,
    },
    Row {
        event: "Checkout Step Completed",
        event_type: "checkout",
        origin: "ecommerce: Checkout Step Completed → checkout",
        constant: Some(("step_title", "checkout_step_completed")),
        attributes: &[CHECKOUT_STEP],
        products: Products::Keep,
        items: None,
    },
];

/// Every `origins` label this preset gives, in table order.
#[cfg(test)]
pub(crate) fn labels() -> Vec<&'static str> {
    ROWS.iter()
        .flat_map(|row| std::iter::once(row.origin).chain(row.items))
        .collect()
}

/// The preset's events for a track event one of its rows takes (`None` for any other event).
/// The event's field types have been checked (`properties` is an object when present).
pub(crate) fn events<'a>(event: &Obj<'a>) -> Option<Vec<PresetEvent<'a>>> {
    let (Some(Json::String(call)), Some(Json::String(name))) =
        (event.get("type"), event.get("event"))
    else {
        return None;
    };
    if call != "track" {
        return None;
    }
    let row = ROWS.iter().find(|row| row.event == name)?;
    let empty = Obj::new();
    let properties = match event.get("properties") {
        Some(Json::Object(properties)) => properties,
        _ => &empty,
    };
    let products = match (row.products, properties.get("products")) {
        (Products::Keep, _) => None,
        (_, Some(Json::Array(products))) => Some(products),
        _ => None,
    };

    let mut out = Obj::with_capacity(properties.len() + 4);
    if let Some((name, value)) = row.constant {
        out.insert(Cow::Borrowed(name), Json::String(Cow::Borrowed(value)));
    }
    let mut used = Vec::new();
    map_attributes(&mut out, properties, row.attributes, &mut used);
    if let Some(products) = products {
        // Each product's `product_id` (products without one left out), and for `product_list`
        // the product's `{product_id, quantity}` (an absent quantity left out).
        let (mut ids, mut list) = (Vec::new(), Vec::new());
        for product in products {
            let Json::Object(product) = product else {
                continue;
            };
            let Some(id) = present(product, "product_id") else {
                continue;
            };
            ids.push(id.clone());
            if row.products == Products::Lists {
                let mut entry = Obj::with_capacity(2);
                map_attributes(&mut entry, product, &[PRODUCT_LIST_ENTRY], &mut Vec::new());
                list.push(Json::Object(entry));
            }
        }
        if row.products == Products::Lists {
            out.insert(Cow::Borrowed("product_ids"), Json::Array(ids));
            out.insert(Cow::Borrowed("product_list"), Json::Array(list));
        } else {
            out.insert(Cow::Borrowed("listed_products"), Json::Array(ids));
        }
    }
    if row.products != Products::Keep {
        used.push("products");
    }
    keep_others(&mut out, properties, &used);

    let items = row.items.zip(products);
    let mut events = Vec::with_capacity(1 + items.map_or(0, |(_, p)| p.len()));
    events.push(PresetEvent {
        event_type: row.event_type,
        properties: out,
        origin: row.origin,
    });
    if let Some((origin, products)) = items {
        for product in products {
            let Json::Object(product) = product else {
                continue;
            };
            events.push(PresetEvent {
                event_type: "purchase_item",
                properties: purchase_item(row, properties, product),
                origin,
            });
        }
    }
    Some(events)
}

/// One order line: the order's `purchase_id`, `purchase_status` and currency, the product's
/// attributes, and the product's other keys.
fn purchase_item<'a>(row: &Row, order: &Obj<'a>, product: &Obj<'a>) -> Obj<'a> {
    let mut out = Obj::with_capacity(product.len() + 4);
    if let Some((name, value)) = row.constant {
        out.insert(Cow::Borrowed(name), Json::String(Cow::Borrowed(value)));
    }
    map_attributes(&mut out, order, &[ORDER_OF_ITEM], &mut Vec::new());
    let mut used = Vec::new();
    map_attributes(&mut out, product, &[PRODUCT, QUANTITY], &mut used);
    map_attributes(&mut out, order, &[CURRENCY_OF_ITEM], &mut Vec::new());
    keep_others(&mut out, product, &used);
    out
}

/// Sets each attribute from the first of its sources that is present and not `null` (an
/// attribute without one is left out), and notes in `used` the sources that are not to be kept
/// under their own names: each source up to the one the value came from (a later fallback, such
/// as `revenue` when `total` gave `total_price`, is kept).
fn map_attributes<'a>(
    out: &mut Obj<'a>,
    from: &Obj<'a>,
    groups: &[&[Attribute]],
    used: &mut Vec<&'static str>,
) {
    for &(name, sources) in groups.iter().copied().flatten() {
        for &source in sources {
            used.push(source);
            if let Some(value) = present(from, source) {
                out.insert(Cow::Borrowed(name), value.clone());
                break;
            }
        }
    }
}

/// The properties not used as sources, in their order; a mapped attribute of the same name wins.
fn keep_others<'a>(out: &mut Obj<'a>, from: &Obj<'a>, used: &[&str]) {
    for (key, value) in from.iter() {
        if !used.contains(&&**key) && !out.contains_key(key) {
            out.push_absent(key.clone(), value.clone());
        }
    }
}

/// A key's value when present and not `null`.
fn present<'e, 'a>(from: &'e Obj<'a>, key: &str) -> Option<&'e Json<'a>> {
    from.get(key).filter(|value| !value.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_has_its_own_stable_label() {
        let labels = labels();
        assert_eq!(labels.len(), ROWS.len() + 2, "two rows add purchase_item");
        for (i, label) in labels.iter().enumerate() {
            assert!(label.starts_with("ecommerce: "), "{label}");
            assert!(!labels[..i].contains(label), "{label} twice");
        }
        for row in &ROWS {
            assert_eq!(
                row.origin,
                format!("ecommerce: {} → {}", row.event, row.event_type)
            );
        }
        // No rule can be named like a row, so an origin tells the preset from a rule.
        for label in labels
            .iter()
            .copied()
            .chain([super::super::consent::ORIGIN])
        {
            assert!(crate::settings::is_reserved_rule_name(label), "{label}");
        }
    }
}
