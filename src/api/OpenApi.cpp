#include "api/OpenApi.hpp"

namespace rtcgate::api {
namespace {

// Every route registered on the management server must be described here:
// tests/unit/app/OpenApiCoverage_test.cpp fails on one that is not (and on a path described here
// that no longer exists).
constexpr std::string_view kDocument =
    R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "rtcgate management API",
    "version": "1",
    "description": "Health, metrics, registrations, calls, media, CDRs, events and reload of an rtcgate WebRTC-to-SIP gateway (docs/API.md). When a token is configured every request but the built-in pages needs 'Authorization: Bearer <token>'; without one the API only listens on loopback."
  },
  "servers": [{"url": "http://127.0.0.1:8088"}],
  "security": [{"bearer": []}, {}],
  "paths": {
    "/api/v1/": {
      "get": {
        "summary": "List the endpoints with a help line each",
        "tags": ["api"],
        "responses": {
          "200": {
            "description": "Routes",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Routes"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus text exposition format 0.0.4 (docs/API.md, Metrics)",
        "tags": ["metrics"],
        "responses": {
          "200": {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/health": {
      "get": {
        "summary": "Overall status (worst check), reasons, uptime and version",
        "tags": ["api"],
        "responses": {
          "200": {
            "description": "Healthy or degraded",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
          },
          "503": {
            "description": "Critical",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/stats": {
      "get": {
        "summary": "Every metric as JSON",
        "tags": ["metrics"],
        "responses": {
          "200": {
            "description": "Metrics by name",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/registrations": {
      "get": {
        "summary": "Registered contacts",
        "tags": ["registrations"],
        "parameters": [
          {
            "name": "user",
            "in": "query",
            "required": false,
            "description": "Only this user (the user part of the AoR) or this exact AoR",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "Contacts",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Registrations"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/registrations/{aor}": {
      "delete": {
        "summary": "Unregister every contact of an address of record",
        "tags": ["registrations"],
        "parameters": [
          {
            "name": "aor",
            "in": "path",
            "required": true,
            "description": "The AoR, percent-encoded (sip%3Aalice%40example.com)",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "Removed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Removed"}}}
          },
          "404": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/calls": {
      "get": {
        "summary": "Calls in progress, oldest first",
        "tags": ["calls"],
        "responses": {
          "200": {
            "description": "Calls",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Calls"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      },
      "post": {
        "summary": "Originate a call (RFC 3725 third-party call control): ring from, then connect it to to",
        "tags": ["calls"],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["from", "to"],
                "properties": {
                  "from": {"type": "string", "description": "user name, number or SIP URI; rung first"},
                  "to": {
                    "type": "string",
                    "description": "user name, number or SIP URI; called once from answers"
                  }
                }
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "Call placed; it shows in GET /api/v1/calls and in the events",
            "content": {
              "application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}": {
      "get": {
        "summary": "One call, with per-direction media quality when its media goes through the relay",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "200": {
            "description": "The call",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}}
          },
          "404": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      },
      "delete": {
        "summary": "Hang up: BYE to both sides (CANCEL before the answer), media released",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "200": {
            "description": "Hang-up started",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {"ended": {"type": "integer", "description": "the call's id"}}
                }
              }
            }
          },
          "404": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/dtmf": {
      "post": {
        "summary": "Send digits into an answered call toward the callee (or the caller): RFC 4733 events played by the relay where that side negotiated telephone-event, SIP INFO otherwise",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["digits"],
                "properties": {
                  "digits": {"type": "string", "pattern": "^[0-9*#A-Da-d]{1,32}$"},
                  "duration_ms": {"type": "integer", "minimum": 100, "maximum": 5000, "default": 100},
                  "to": {"type": "string", "enum": ["callee", "caller"], "default": "callee"}
                }
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "The digits are on their way, as `as` says (a warning when the relay plays them but the other party sends no audio yet: they wait for its packets)",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "id": {"type": "integer"},
                    "digits": {"type": "string"},
                    "to": {"type": "string"},
                    "as": {"type": "string", "enum": ["rfc4733", "info"]},
                    "warning": {"type": "string"}
                  }
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/recording": {
      "post": {
        "summary": "Record an answered call through the relay: both directions, decrypted, as a WAV (stereo: the caller left, the callee right; or mono) or a pcap of the plain RTP, with a JSON sidecar; call.recording follows",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "format": {"type": "string", "enum": ["wav", "pcap"], "default": "wav"},
                  "mix": {"type": "string", "enum": ["stereo", "mono"], "default": "stereo"}
                }
              }
            }
          }
        },
        "responses": {
          "201": {"description": "Recording", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecordingState"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      },
      "delete": {
        "summary": "Stop recording the call (the relay closes the file and its sidecar)",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "200": {"description": "Stopped", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RecordingState"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/transfer": {
      "post": {
        "summary": "Transfer of an answered call, blind (target) or attended (replaces): a REFER asks the transferee to call the target (in the other party's name, or ours for a call placed through the API); call.transfer events report its NOTIFYs, and once the target answered the call ends (transferred)",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "properties": {
                  "target": {"type": "string", "description": "blind transfer: a sip: or sips: URI", "maxLength": 512},
                  "replaces": {"type": "integer", "minimum": 1, "description": "attended transfer, instead of target: the id of the transferor's other answered call; the transferee calls its other party with a Replaces of that call (RFC 3891)"},
                  "target_party": {"type": "string", "enum": ["caller", "callee"], "description": "with replaces: which party of that call is the target (default: the one that is not the transferor)"},
                  "transferee": {"type": "string", "enum": ["caller", "callee"], "default": "caller", "description": "the party asked to call the target; the other party leaves the call"}
                }
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "The REFER is out; call.transfer events follow",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {
                    "id": {"type": "integer"},
                    "target": {"type": "string"},
                    "replaces": {"type": "integer"},
                    "transferee": {"type": "string", "enum": ["caller", "callee"]},
                    "state": {"type": "string", "enum": ["requested"]}
                  }
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/play": {
      "post": {
        "summary": "Play a WAV of the relay's media directory (relay.media_dir) into an answered call through the relay, as if the other party sent it, to the caller, the callee or both; that party's audio is replaced meanwhile; call.play follows (started, then finished or stopped)",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                  "file": {"type": "string", "description": "a WAV (16-bit PCM, mono or stereo, 8/16/48 kHz) inside relay.media_dir; no '..'"},
                  "to": {"type": "string", "enum": ["caller", "callee", "both"], "default": "both"}
                }
              }
            }
          }
        },
        "responses": {
          "202": {"description": "Playing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlayState"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      },
      "delete": {
        "summary": "Stop playing into the call (call.play stopped); the parties' audio passes again",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "200": {"description": "Stopped", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlayState"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/hold": {
      "post": {
        "summary": "Hold: a re-INVITE to each side (callee first) with every stream inactive; answered calls through the relay only",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "202": {
            "description": "Re-INVITEs sent to both sides; call.held follows once both answered",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HoldState"}}}
          },
          "200": {
            "description": "The call already was in that state",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HoldState"}}}
          },
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/calls/{id}/resume": {
      "post": {
        "summary": "Resume a held call: a re-INVITE to each side with sendrecv streams",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The call's id (the `id` of GET /api/v1/calls)",
            "schema": {"type": "integer", "minimum": 1}
          }
        ],
        "responses": {
          "202": {
            "description": "Re-INVITEs sent to both sides; call.resumed follows once both answered",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HoldState"}}}
          },
          "200": {
            "description": "The call already was in that state",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HoldState"}}}
          },
          "404": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/media": {
      "get": {
        "summary": "The media relay: its sessions (ng list) and totals (ng statistics)",
        "tags": ["calls"],
        "responses": {
          "200": {
            "description": "The relay's list and statistics replies as JSON",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Media"}}}
          },
          "404": {
            "description": "Media anchoring is off",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/cdrs": {
      "get": {
        "summary": "The newest call detail records (docs/calls.md, CDRs)",
        "tags": ["calls"],
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "How many, newest first (1-10000, default 50)",
            "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 50}
          }
        ],
        "responses": {
          "200": {
            "description": "CDRs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Cdrs"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/bans": {
      "get": {
        "summary": "Sources banned for failed credentials (security.auth_ban, docs/security.md)",
        "tags": ["security"],
        "responses": {
          "200": {
            "description": "The bans, by source address",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Bans"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/trunks": {
      "get": {
        "summary": "The trunks, their registrations and their probed destinations (docs/configuration.md, Trunks); never their credentials",
        "tags": ["trunks"],
        "responses": {
          "200": {
            "description": "The trunks",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Trunks"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/bans/{source}": {
      "delete": {
        "summary": "Lift the ban of one source address",
        "tags": ["security"],
        "parameters": [
          {"name": "source", "in": "path", "required": true, "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "Lifted"},
          "404": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/turn-credentials": {
      "get": {
        "summary": "Short-lived TURN credentials in coturn's use-auth-secret scheme (webrtc.turn_secret_file, docs/configuration.md)",
        "tags": ["webrtc"],
        "description": "username is <expiry unix time>:<user>, password base64(HMAC-SHA1(secret, username)); give them with uris to RTCPeerConnection as {urls, username, credential}.",
        "parameters": [
          {
            "name": "user",
            "in": "query",
            "required": false,
            "description": "who the credentials are for: 1 to 64 letters, digits or ._-@+ (default rtcgate)",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "The credentials and the ICE server URLs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TurnCredentials"}}}
          },
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/api/v1/events": {
      "get": {
        "summary": "Live events over a WebSocket (RFC 6455), one JSON text frame each (docs/API.md, Events)",
        "tags": ["events"],
        "description": "Needs a WebSocket upgrade; a plain GET is answered 426. Browsers, which cannot set headers on a WebSocket, offer the token as the subprotocol bearer.<token> next to rtcgate.events; a token in the URL is not accepted.",
        "parameters": [
          {
            "name": "types",
            "in": "query",
            "required": false,
            "description": "Comma-separated type prefixes, e.g. call.,registration. (default: every event)",
            "schema": {"type": "string"}
          },
          {
            "name": "token",
            "in": "query",
            "required": false,
            "description": "The bearer token, for clients that cannot set headers",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "101": {
            "description": "Switching protocols: events follow as text frames",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}
          },
          "426": {
            "description": "Not a WebSocket upgrade",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/reload": {
      "post": {
        "summary": "Re-read the configuration file (routes, TLS files, log level), as SIGHUP does",
        "tags": ["api"],
        "responses": {
          "200": {
            "description": "Reloaded",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reload"}}}
          },
          "400": {
            "description": "Refused: invalid or unreadable file, a TLS file that does not load, or no --config; nothing changed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "tags": ["api"],
        "responses": {
          "200": {
            "description": "OpenAPI 3 document",
            "content": {"application/json": {"schema": {"type": "object"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"}
        }
      }
    },
    "/": {
      "get": {
        "summary": "The live dashboard (docs/dashboard.md)",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {"description": "The file", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/dashboard/{file}": {
      "get": {
        "summary": "Static files of the dashboard",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {
            "description": "The file",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}}
          },
          "404": {"$ref": "#/components/responses/Error"}
        },
        "parameters": [
          {
            "name": "file",
            "in": "path",
            "required": true,
            "description": "file name (may not contain '/')",
            "schema": {"type": "string"}
          }
        ]
      }
    },
    "/phone": {
      "get": {
        "summary": "The demo phone (docs/phone.md)",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {"description": "The file", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/phone/": {
      "get": {
        "summary": "The demo phone (docs/phone.md)",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {"description": "The file", "content": {"text/html": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/phone/{file}": {
      "get": {
        "summary": "Static files of the demo phone",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {
            "description": "The file",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}}
          },
          "404": {"$ref": "#/components/responses/Error"}
        },
        "parameters": [
          {
            "name": "file",
            "in": "path",
            "required": true,
            "description": "file name (may not contain '/')",
            "schema": {"type": "string"}
          }
        ]
      }
    },
    "/assets/{file}": {
      "get": {
        "summary": "Static files shared by the pages",
        "security": [],
        "tags": ["pages"],
        "responses": {
          "200": {
            "description": "The file",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}}
          },
          "404": {"$ref": "#/components/responses/Error"}
        },
        "parameters": [
          {
            "name": "file",
            "in": "path",
            "required": true,
            "description": "file name (may not contain '/')",
            "schema": {"type": "string"}
          }
        ]
      }
    },
    "/phone/config.json": {
      "get": {
        "summary": "The demo phone's defaults",
        "tags": ["pages"],
        "security": [],
        "responses": {
          "200": {
            "description": "SIP domains and the wss URL",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PhoneConfig"}}}
          }
        }
      }
    },
    "/phone/turn-credentials": {
      "get": {
        "summary": "TURN credentials for the demo phone (user phone), public and rate-limited for the whole gateway",
        "tags": ["pages"],
        "security": [],
        "responses": {
          "200": {
            "description": "The credentials and the ICE server URLs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TurnCredentials"}}}
          },
          "429": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "responses": {
      "Unauthorized": {
        "description": "Missing or wrong bearer token",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Error": {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      }
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
      "PlayState": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "file": {"type": "string"},
          "to": {"type": "string", "enum": ["caller", "callee", "both"]},
          "duration_ms": {"type": "integer", "description": "how long it plays"},
          "stopped": {"type": "boolean"}
        }
      },
      "RecordingState": {
        "type": "object",
        "properties": {
          "id": {"type": "integer", "description": "the call's id"},
          "recording": {"type": "boolean"},
          "file": {"type": "string", "description": "the recording's path on the relay's host (its sidecar: the same + .json)"},
          "dropped": {"type": "integer", "description": "stopped: packets the relay's writer could not take in time (lost to the recording only)"}
        }
      },
      "Bans": {
        "type": "object",
        "properties": {
          "bans": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "source": {"type": "string"},
                "seconds_left": {"type": "integer"},
                "failures": {"type": "integer"},
                "reason": {"type": "string"}
              }
            }
          }
        }
      },
      "Trunks": {
        "type": "object",
        "properties": {
          "trunks": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "addresses": {"type": "array", "items": {"type": "string"}},
                "from_user": {"type": "string"},
                "sources": {"type": "integer"},
                "dids": {"type": "array", "items": {"type": "string"}},
                "registration": {
                  "type": "object",
                  "nullable": true,
                  "properties": {
                    "trunk": {"type": "string"},
                    "state": {"type": "string", "enum": ["starting", "registered", "failed"]},
                    "reason": {"type": "string"},
                    "last_status": {"type": "integer"},
                    "expires_in": {"type": "integer"},
                    "registrar": {"type": "string"},
                    "attempts": {"type": "integer"},
                    "failures": {"type": "integer"}
                  }
                }
              }
            }
          },
          "probed": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "target": {"type": "string"},
                "of": {"type": "string"},
                "up": {"type": "boolean"},
                "last_status": {"type": "integer"},
                "misses": {"type": "integer"}
              }
            }
          }
        }
      },
      "Routes": {
        "type": "object",
        "properties": {
          "routes": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "method": {"type": "string"},
                "path": {"type": "string"},
                "help": {"type": "string"}
              }
            }
          }
        }
      },
      "Health": {
        "type": "object",
        "required": ["status", "reasons", "uptime_seconds", "version"],
        "properties": {
          "status": {"type": "string", "enum": ["healthy", "degraded", "critical"]},
          "reasons": {"type": "array", "items": {"type": "string"}},
          "checks": {
            "type": "array",
            "items": {
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "status": {"type": "string", "enum": ["healthy", "degraded", "critical"]},
                "reason": {"type": "string"}
              }
            }
          },
          "uptime_seconds": {"type": "integer"},
          "version": {"type": "string"}
        }
      },
      "Stats": {
        "type": "object",
        "properties": {
          "metrics": {
            "type": "object",
            "additionalProperties": {
              "type": "object",
              "properties": {
                "type": {"type": "string", "enum": ["counter", "gauge", "histogram"]},
                "help": {"type": "string"},
                "samples": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "properties": {
                      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                      "value": {"type": "number", "nullable": true, "description": "counters and gauges"},
                      "count": {"type": "integer", "description": "histograms"},
                      "sum": {"type": "number", "description": "histograms"},
                      "buckets": {
                        "type": "array",
                        "description": "histograms: cumulative counts",
                        "items": {
                          "type": "object",
                          "properties": {"le": {"type": "string"}, "count": {"type": "integer"}}
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
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
        "properties": {
          "registrations": {"type": "array", "items": {"$ref": "#/components/schemas/Registration"}}
        }
      },
      "Removed": {
        "type": "object",
        "properties": {"aor": {"type": "string"}, "removed": {"type": "integer"}}
      },
      "Call": {
        "type": "object",
        "required": ["id", "call_id", "state"],
        "properties": {
          "id": {"type": "integer", "description": "the API's handle"},
          "call_id": {"type": "string"},
          "state": {"type": "string", "enum": ["ringing", "early", "confirmed", "on-hold", "terminated"]},
          "from": {"type": "string"},
          "to": {"type": "string"},
          "caller": {
            "type": "object",
            "properties": {
              "uri": {"type": "string"},
              "tag": {"type": "string"},
              "transport": {"type": "string"},
              "address": {"type": "string", "description": "host:port its requests came from"},
              "media": {"type": "string", "description": "the leg's media profile"}
            }
          },
          "callee": {
            "type": "object",
            "properties": {
              "uri": {"type": "string"},
              "tag": {"type": "string"},
              "transport": {"type": "string"},
              "address": {"type": "string", "description": "host:port its requests came from"},
              "media": {"type": "string", "description": "the leg's media profile"}
            }
          },
          "anchored": {"type": "boolean", "description": "media goes through the relay"},
          "start": {"type": "integer", "description": "Unix seconds"},
          "answer": {"type": "integer", "description": "Unix seconds, 0 before the answer"},
          "duration": {"type": "integer", "description": "seconds since the answer"},
          "media": {
            "type": "object",
            "description": "per direction, named by who sends: the codec always; the relay's figures in GET /api/v1/calls/{id} (and call.ended, CDRs) when anchored",
            "properties": {
              "from_caller": {"$ref": "#/components/schemas/MediaDirection"},
              "from_callee": {"$ref": "#/components/schemas/MediaDirection"}
            }
          }
        },
        "additionalProperties": true
      },
      "MediaDirection": {
        "type": "object",
        "properties": {
          "codec": {"type": "string", "nullable": true, "description": "rtpmap encoding name, e.g. opus, PCMU"},
          "clock_rate": {"type": "integer", "nullable": true},
          "payload_type": {"type": "integer", "nullable": true},
          "ptime": {"type": "integer", "nullable": true, "description": "ms of audio per packet"},
          "packets": {"type": "integer"},
          "lost": {"type": "integer"},
          "loss_percent": {"type": "number"},
          "jitter_ms": {"type": "number"},
          "mos": {"type": "number"},
          "rtt_ms": {"type": "number", "nullable": true, "description": "round trip between the relay and the sender, from its RTCP"},
          "far_end": {
            "type": "object", "nullable": true,
            "description": "the receiver's RTCP report on this direction",
            "properties": {
              "lost": {"type": "integer"},
              "loss_percent": {"type": "number"},
              "jitter_ms": {"type": "number"}
            }
          }
        }
      },
      "HoldState": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "on_hold": {"type": "boolean", "description": "the state asked for"},
          "pending": {"type": "boolean", "description": "true until both sides answered"}
        }
      },
      "Calls": {
        "type": "object",
        "properties": {"calls": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}}
      },
      "Media": {
        "type": "object",
        "properties": {
          "list": {"type": "object", "description": "the ng list reply"},
          "statistics": {"type": "object", "description": "the ng statistics reply"}
        }
      },
      "Cdrs": {
        "type": "object",
        "properties": {
          "cdrs": {
            "type": "array",
            "items": {
              "type": "object",
              "description": "one record as in the CDR file (docs/calls.md)",
              "additionalProperties": true
            }
          }
        }
      },
      "Reload": {
        "type": "object",
        "properties": {
          "reloaded": {"type": "boolean"},
          "applied": {"type": "array", "items": {"type": "string"}},
          "needs_restart": {"type": "array", "items": {"type": "string"}},
          "tls_reread": {"type": "boolean"}
        }
      },
      "Event": {
        "type": "object",
        "required": ["type", "time"],
        "description": "registration.*, call.*, relay.up, relay.down, error: see docs/API.md, Events",
        "properties": {
          "type": {"type": "string"},
          "time": {"type": "integer", "description": "Unix milliseconds"}
        },
        "additionalProperties": true
      },
      "PhoneConfig": {
        "type": "object",
        "properties": {
          "domains": {"type": "array", "items": {"type": "string"}},
          "wss": {"type": "string"},
          "ice_servers": {"type": "array", "items": {"type": "string"}},
          "turn": {"type": "boolean", "description": "whether /phone/turn-credentials serves credentials"}
        },
        "additionalProperties": true
      },
      "TurnCredentials": {
        "type": "object",
        "properties": {
          "username": {"type": "string"},
          "password": {"type": "string"},
          "ttl": {"type": "integer"},
          "uris": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["username", "password", "ttl", "uris"]
      }
    }
  }
}
)json";

}  // namespace

std::string_view openApiDocument() { return kDocument; }

}  // namespace rtcgate::api
