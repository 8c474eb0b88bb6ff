#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rtcgate::http {

// One request as a handler sees it: the path already split from the query and percent-decoded.
struct HttpRequest {
  std::string method;                         // "GET", "DELETE", ...
  std::string path;                           // "/api/v1/registrations/alice"
  std::map<std::string, std::string> params;  // {aor} -> "alice" for "/api/v1/registrations/{aor}"
  std::map<std::string, std::string> query;   // ?user=alice -> {"user", "alice"}
  std::string body;
};

struct HttpReply {
  using Send = std::function<void(HttpReply)>;

  unsigned status = 200;
  std::string contentType = "application/json";
  std::string body;
  // Set by a handler whose answer waits on a peer (an ng relay): the session calls it once with
  // the function that sends the real reply, and the loop goes on serving SIP meanwhile.
  std::function<void(Send)> deferred;

  static HttpReply json(std::string body, unsigned status = 200);
  static HttpReply error(unsigned status, std::string_view message);  // {"error": message}
  static HttpReply later(std::function<void(Send)> start);
};

using Handler = std::function<HttpReply(const HttpRequest&)>;

// Who may call a route when the server has a bearer token: API routes need it; the pages that ask
// for it (the dashboard's HTML and scripts) cannot, so they are public.
enum class Access { Token, Public };

// The admin API's handler registry: routes are "METHOD /literal/{param}/..." patterns with a help
// line, matched segment by segment so a parameter never spans a '/'.
class Router {
 public:
  struct Route {
    std::string method;
    std::string pattern;
    std::string help;
    Handler handler;
    std::vector<std::string> segments;  // pattern split on '/'
    Access access = Access::Token;
  };

  void add(std::string method, std::string pattern, std::string help, Handler handler,
           Access access = Access::Token);

  // Whether `target` names a public route for `method` (false for unknown or malformed targets).
  bool isPublic(std::string_view method, std::string_view target) const;

  // `target` is the raw request target ("/path?query"). Unknown paths get 404, a known path with
  // another method 405, a malformed target 400; handler exceptions become 500.
  HttpReply dispatch(std::string_view method, std::string_view target, std::string body) const;

  const std::vector<Route>& routes() const { return routes_; }

  // {"routes": [{"method", "path", "help"}...]} for the index page.
  std::string routesJson() const;

 private:
  bool match(const Route& route, const std::vector<std::string>& segments,
             std::map<std::string, std::string>& params) const;

  std::vector<Route> routes_;
};

}  // namespace rtcgate::http
