-- pgbench baseline for `make bench` (run with -M prepared): the transaction PlaceOrder performs, as SQL.
-- Set by the runner: products (pick among the first N bench products). 1-3 lines, quantity 1-5.
\set k random(1, 3)
\set n1 random(1, :products)
\set n2 CASE WHEN :k >= 2 THEN random(1, :products) ELSE :n1 END
\set n3 CASE WHEN :k >= 3 THEN random(1, :products) ELSE :n1 END
\set q random(1, 5)
BEGIN;
-- the catalog read (names and prices), and the new order's id
SELECT gen_random_uuid() AS order_id, array_agg(p.id) AS ids
  FROM catalog.products p JOIN bench.products b ON b.id = p.id WHERE b.n IN (:n1, :n2, :n3) \gset
-- lock every non-empty stock row of the requested products, in (product, warehouse) order
SELECT product_id, warehouse_id, quantity FROM inventory.stock
  WHERE product_id = ANY(:ids::uuid[]) AND quantity > 0 ORDER BY product_id, warehouse_id FOR UPDATE;
-- record, then take, the quantity from the warehouse holding the most
INSERT INTO inventory.allocations (order_ref, product_id, warehouse_id, quantity, created_at)
  SELECT DISTINCT ON (product_id) :order_id::uuid, product_id, warehouse_id, :q, now() FROM inventory.stock
  WHERE product_id = ANY(:ids::uuid[]) ORDER BY product_id, quantity DESC, warehouse_id;
UPDATE inventory.stock s SET quantity = s.quantity - :q FROM inventory.allocations a
  WHERE a.order_ref = :order_id::uuid AND s.product_id = a.product_id AND s.warehouse_id = a.warehouse_id;
INSERT INTO ordering.orders (id, status, total, created_at)
  SELECT :order_id::uuid, 'placed', sum(price * :q), now() FROM catalog.products WHERE id = ANY(:ids::uuid[]);
INSERT INTO ordering.order_lines
  (order_id, position, product_id, name, unit_price, requested_quantity, quantity, line_total)
  SELECT :order_id::uuid, row_number() OVER () - 1, id, name, price, :q, :q, price * :q
  FROM catalog.products WHERE id = ANY(:ids::uuid[]);
END;
