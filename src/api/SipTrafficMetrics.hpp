#pragma once

#include "http/MetricsRegistry.hpp"
#include "proxy/ProxyCore.hpp"

namespace rtcgate::api {

// SIP traffic as operators slice it: requests by method and transport, responses received by
// status class and transport, responses sent by class, and a histogram of the time each message
// takes on the signalling loop. The counters are the proxy's own (ProxyStats); the histogram is
// the registry's, fed by ProxyCore::onProcessed. Fails as MetricsRegistry::add does.
io::Status declareSipTrafficMetrics(http::MetricsRegistry& metrics, proxy::ProxyCore& proxy);

}  // namespace rtcgate::api
