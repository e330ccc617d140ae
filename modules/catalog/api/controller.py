"""HTTP edge of the catalog: translate requests into use-case calls and results into responses."""

from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from modules.catalog.api.schemas import CreateProductBody, PatchProductBody, ProductOut, ProductPage
from modules.catalog.application.use_cases import (
    CreateProduct,
    CreateProductCommand,
    GetProduct,
    ListProducts,
    UpdateProduct,
    UpdateProductCommand,
)
from shared_kernel.api.pagination import page_request
from shared_kernel.api.problems import problem_responses
from shared_kernel.application.pagination import PageRequest


class ProductController(Controller):
    path = "/api/catalog/products"
    tags = ["catalog"]  # noqa: RUF012
    dependencies = {"page": Provide(page_request, sync_to_thread=False)}  # noqa: RUF012

    @post(summary="Create a product", responses=problem_responses(415))
    async def create(
        self,
        data: JSONBody[CreateProductBody],
        create_product: NamedDependency[CreateProduct],
    ) -> Response[ProductOut]:
        product = await create_product(
            CreateProductCommand(name=data.name, description=data.description, price=data.price),
        )
        return Response(
            ProductOut.of(product),
            status_code=201,
            headers={"Location": f"{self.path}/{product.id}"},
        )

    @get(summary="List products, newest first", responses=problem_responses())
    async def list(
        self, page: NamedDependency[PageRequest], list_products: NamedDependency[ListProducts]
    ) -> ProductPage:
        result = await list_products(page)
        return ProductPage(
            items=[ProductOut.of(p) for p in result.items],
            total=result.total,
            limit=result.limit,
            offset=result.offset,
        )

    @get("/{product_id:str}", summary="Get a product", responses=problem_responses(404))
    async def get(self, product_id: FromPath[UUID], get_product: NamedDependency[GetProduct]) -> ProductOut:
        return ProductOut.of(await get_product(product_id))

    @patch("/{product_id:str}", summary="Change a product", responses=problem_responses(404, 415))
    async def update(
        self,
        product_id: FromPath[UUID],
        data: JSONBody[PatchProductBody],
        update_product: NamedDependency[UpdateProduct],
    ) -> ProductOut:
        command = UpdateProductCommand(product_id, name=data.name, description=data.description, price=data.price)
        return ProductOut.of(await update_product(command))
