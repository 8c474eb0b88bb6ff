#pragma once

#include <string_view>

namespace rtcgate::api {

// The OpenAPI 3 description of the endpoints addApiRoutes registers, served at
// /api/v1/openapi.json. Kept next to the routes so the two change together.
std::string_view openApiDocument();

}  // namespace rtcgate::api
