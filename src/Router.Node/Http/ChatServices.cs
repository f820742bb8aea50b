using Akka.Streams;
using Router.Actors.Caching;
using Router.Actors.Catalog;
using Router.Actors.Observability;
using Router.Actors.Quota;
using Router.Actors.Routing;
using Router.Client.Configuration;

namespace Router.Node.Http;

/// <summary>What the chat endpoint works with, resolved once for the node.</summary>
public sealed record ChatServices(Coordinators Coordinators, RouterSettings Settings, IHostApplicationLifetime Lifetime, IMaterializer Materializer,
    DailyLimits Limits, RouterMetrics Metrics, CatalogReplica Catalog, ResponseCache Cache, RequestLog Log);
