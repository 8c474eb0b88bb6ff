#include "admin/OpenApi.hpp"

namespace rtcgate::admin {
namespace {

constexpr std::string_view kDocument = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "rtcgate management API",
    "version": "1",
    "description": "Health, metrics and registrations of an rtcgate WebRTC-to-SIP gateway. When a token is configured every request needs 'Authorization: Bearer <token>'; without one the API only listens on loopback."
  },
  "servers": [{"url": "http://127.0.0.1:8088"}],
  "security": [{"bearer": []}, {}],
  "paths": {
    "/api/v1/": {
      "get": {
        "summary": "List the endpoints with a help line each",
        "responses": {
          "200": {"description": "Routes", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Routes"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus text exposition format 0.0.4",
        "responses": {
          "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/health": {
      "get": {
        "summary": "Overall status (worst check), reasons, uptime and version",
        "responses": {
          "200": {"description": "Healthy or degraded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "503": {"description": "Critical", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/stats": {
      "get": {
        "summary": "Every metric as JSON",
        "responses": {
          "200": {"description": "Metrics by name", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/registrations": {
      "get": {
        "summary": "Registered contacts",
        "parameters": [
          {"name": "user", "in": "query", "required": false, "description": "Only this user (the user part of the AoR) or this exact AoR", "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "Contacts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Registrations"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/registrations/{aor}": {
      "delete": {
        "summary": "Unregister every contact of an address of record",
        "parameters": [
          {"name": "aor", "in": "path", "required": true, "description": "The AoR, percent-encoded (sip%3Aalice%40example.com)", "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "Removed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Removed"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "responses": {
          "200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearer": {"type": "http", "scheme": "bearer"}
    },
    "responses": {
      "Unauthorized": {"description": "Missing or wrong bearer token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "string"}}
      },
      "Routes": {
        "type": "object",
        "properties": {"routes": {"type": "array", "items": {"type": "object", "properties": {
          "method": {"type": "string"}, "path": {"type": "string"}, "help": {"type": "string"}}}}}
      },
      "Health": {
        "type": "object", "required": ["status", "reasons", "uptime_seconds", "version"],
        "properties": {
          "status": {"type": "string", "enum": ["healthy", "degraded", "critical"]},
          "reasons": {"type": "array", "items": {"type": "string"}},
          "checks": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"},
            "status": {"type": "string", "enum": ["healthy", "degraded", "critical"]},
            "reason": {"type": "string"}}}},
          "uptime_seconds": {"type": "integer"},
          "version": {"type": "string"}
        }
      },
      "Stats": {
        "type": "object",
        "properties": {"metrics": {"type": "object", "additionalProperties": {
          "type": "object",
          "properties": {
            "type": {"type": "string", "enum": ["counter", "gauge"]},
            "help": {"type": "string"},
            "samples": {"type": "array", "items": {"type": "object", "properties": {
              "labels": {"type": "object", "additionalProperties": {"type": "string"}},
              "value": {"type": "number", "nullable": true}}}}
          }}}}
      },
      "Registration": {
        "type": "object",
        "properties": {
          "aor": {"type": "string"},
          "contact": {"type": "string"},
          "transport": {"type": "string", "enum": ["udp", "tcp", "tls", "ws", "wss"]},
          "source": {"type": "string", "description": "host:port the REGISTER came from"},
          "connection_id": {"type": "integer", "description": "0 when not bound to a connection"},
          "expires_in": {"type": "integer", "description": "seconds"},
          "user_agent": {"type": "string"}
        }
      },
      "Registrations": {
        "type": "object",
        "properties": {"registrations": {"type": "array", "items": {"$ref": "#/components/schemas/Registration"}}}
      },
      "Removed": {
        "type": "object",
        "properties": {"aor": {"type": "string"}, "removed": {"type": "integer"}}
      }
    }
  }
}
)json";

}  // namespace

std::string_view openApiDocument() { return kDocument; }

}  // namespace rtcgate::admin
