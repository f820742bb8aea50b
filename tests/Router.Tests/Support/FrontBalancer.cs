using System.Collections.Concurrent;
using System.Net;

namespace Router.Tests.Support;

/// <summary>
/// What a load balancer in front of the fronts does (nginx in compose, a Service in Kubernetes): polls each front's
/// <c>/ready</c> and sends only to ready ones, round robin; a request that could not reach a front (a refused
/// connection, or a 503 <c>node_starting</c>/<c>node_shutting_down</c> answered before any work) goes to another.
/// </summary>
public sealed class FrontBalancer : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _fronts;
    private readonly ConcurrentDictionary<string, bool> _ready = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private int _next;
    private int _resent;

    public FrontBalancer(IReadOnlyList<string> fronts)
    {
        _fronts = fronts;
        foreach (var front in fronts) _ready[front] = true;
        _polling = PollAsync();
    }

    /// <summary>Requests sent again to another front because the first could not take them.</summary>
    public int Resent => Volatile.Read(ref _resent);

    public async Task<HttpResponseMessage> SendAsync(Func<string, HttpRequestMessage> request, HttpCompletionOption completion, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var front = Pick();
            try
            {
                var response = await _http.SendAsync(request(front), completion, ct);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt >= 10) return response;
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!body.Contains("node_starting") && !body.Contains("node_shutting_down")) return Replay(response, body);
                response.Dispose();
            }
            catch (HttpRequestException) when (attempt < 10)
            {
            }
            _ready[front] = false;
            Interlocked.Increment(ref _resent);
            await Task.Delay(50, ct);
        }
    }

    private static HttpResponseMessage Replay(HttpResponseMessage response, string body) =>
        new(response.StatusCode) { Content = new StringContent(body), RequestMessage = response.RequestMessage };

    private string Pick()
    {
        var ready = _fronts.Where(f => _ready[f]).ToList();
        var from = ready.Count > 0 ? ready : _fronts;
        return from[(int)((uint)Interlocked.Increment(ref _next) % from.Count)];
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var front in _fronts)
            {
                try
                {
                    using var response = await _probe.GetAsync(front + "/ready", _stop.Token);
                    _ready[front] = response.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    _ready[front] = false;
                }
            }
            try { await Task.Delay(100, _stop.Token); } catch (TaskCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _polling; } catch (OperationCanceledException) { }
        _http.Dispose();
        _probe.Dispose();
    }
}
