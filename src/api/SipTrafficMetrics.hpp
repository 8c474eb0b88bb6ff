#pragma once

#include "http/MetricsRegistry.hpp"
#include "io/Status.hpp"
#include "proxy/ProxyStats.hpp"
#include "transaction/SipIngress.hpp"

namespace rtcgate::api {

// SIP traffic as operators slice it: requests by method and transport, responses received by
// status class and transport, responses sent by class, and a histogram of the time each message
// takes on the signalling loop. The counters are the ingress's (what arrives) and the proxy's
// (what it answers); the histogram is the registry's, fed by SipIngress::onProcessed. Fails as
// MetricsRegistry::add does.
io::Status declareSipTrafficMetrics(http::MetricsRegistry& metrics,
                                    transaction::SipIngress& ingress,
                                    const proxy::ProxyStats& proxy);

}  // namespace rtcgate::api
