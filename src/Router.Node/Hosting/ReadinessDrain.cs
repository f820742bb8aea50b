using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Router.Node.Hosting;

/// <summary>
/// On SIGTERM, before the HTTP server stops taking connections: <c>/ready</c> turns unready and the node keeps
/// serving for ROUTER_SHUTDOWN_DELAY, so a balancer that polls readiness stops sending here while requests still
/// succeed; then the usual graceful stop (in-flight requests finish, shards hand over, the node leaves).
/// </summary>
public sealed class ReadinessDrain(TimeSpan delay) : IHostedLifecycleService, IHealthCheck
{
    private static readonly HealthCheckResult Serving = HealthCheckResult.Healthy("serving");
    private static readonly HealthCheckResult Leaving = HealthCheckResult.Unhealthy("the node is stopping");
    private volatile bool _stopping;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (delay > TimeSpan.Zero) await Task.Delay(delay, CancellationToken.None);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_stopping ? Leaving : Serving);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
