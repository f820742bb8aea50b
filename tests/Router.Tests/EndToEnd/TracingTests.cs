using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net.Http.Json;
using OpenTelemetry.Trace;
using Router.FakeOpenRouter;
using Router.Node.Hosting;
using Router.Tests.Support;

namespace Router.Tests.EndToEnd;

/// <summary>The span tree of routed requests, from a node exporting to memory (one node: no process boundary to cross).</summary>
[Trait("Category", "System")]
[Collection(SystemTests.Collection)]
public class TracingTests : IAsyncLifetime
{
    private readonly Spans _spans = new();
    private readonly CapturingLoggerProvider _logs = new();
    private readonly string _dataDir = TestNodes.TempDir();
    private FakeOpenRouterServer _fake = null!;
    private RouterNode _node = null!;
    // Sends the traceparent it is given (this process listens to HTTP client spans too, which would replace it).
    private static readonly HttpClient Http = new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Spans as exported; the exporter adds from whichever thread ends a span.</summary>
    private sealed class Spans : Collection<Activity>
    {
        protected override void InsertItem(int index, Activity item)
        {
            lock (this) base.InsertItem(index, item);
        }

        public List<Activity> Of(ActivityTraceId trace)
        {
            lock (this) return this.Where(s => s.TraceId == trace).ToList();
        }
    }

    public async Task InitializeAsync()
    {
        _fake = await Fakes.StartAsync(("test/delta", new FakeBehavior { StatusCode = 500 }));
        _node = await TestNodes.StartAsync(TestNodes.Settings(_fake, _dataDir), logs: _logs, level: Microsoft.Extensions.Logging.LogLevel.Information,
            tracing: t => t.AddInMemoryExporter(_spans));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _fake.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    /// <summary>Sends <paramref name="body"/> as part of a trace of the caller's; returns the trace's spans once the server's has ended.</summary>
    private async Task<(List<Activity> Spans, ActivitySpanId CallerSpan)> SendTracedAsync(object body)
    {
        var (trace, caller) = await SendAsync(body, sampled: true);
        await Wait.UntilAsync(() => _spans.Of(trace).Any(s => s.ParentSpanId == caller) && _spans.Of(trace).Any(s => s.OperationName == "route"));
        return (_spans.Of(trace), caller);
    }

    private async Task<(ActivityTraceId Trace, ActivitySpanId Caller)> SendAsync(object body, bool sampled)
    {
        var trace = ActivityTraceId.CreateRandom();
        var caller = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, _node.Url + "/v1/chat/completions") { Content = JsonContent.Create(body) };
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{caller.ToHexString()}-{(sampled ? "01" : "00")}");
        using var response = await Http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}");
        return (trace, caller);
    }

    private static Activity Single(IEnumerable<Activity> spans, string name) => Assert.Single(spans, s => s.DisplayName == name);

    private static IEnumerable<Activity> ChildrenOf(IEnumerable<Activity> spans, Activity parent) => spans.Where(s => s.ParentSpanId == parent.SpanId);

    [Fact]
    public async Task A_request_with_one_fallback_is_one_trace_from_the_callers_span_to_each_upstream_http_call()
    {
        var (spans, caller) = await SendTracedAsync(new { model = "test/delta", messages = new[] { new { role = "user", content = "secret prompt text" } } });

        // The caller's traceparent is continued (the fake, in this process too, adds its own server spans below the calls).
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == caller);
        Assert.Equal("POST /v1/chat/completions", server.DisplayName);
        var route = Single(spans, "route");
        Assert.Equal(server.SpanId, route.ParentSpanId);
        Assert.Equal(2, route.GetTagItem("router.attempts"));
        var answered = (string)route.GetTagItem("gen_ai.response.model")!;
        Assert.NotEqual("test/delta", answered);

        var failedAttempt = Single(ChildrenOf(spans, route), "attempt test/delta");
        Assert.Equal(("failed", 500), (failedAttempt.GetTagItem("router.attempt.outcome"), failedAttempt.GetTagItem("http.response.status_code")));
        Assert.Equal(ActivityStatusCode.Error, failedAttempt.Status);
        var okAttempt = Single(ChildrenOf(spans, route), "attempt " + answered);
        Assert.Equal("ok", okAttempt.GetTagItem("router.attempt.outcome"));

        var failedCall = Single(ChildrenOf(spans, failedAttempt), "chat test/delta");
        Assert.Equal(ActivityKind.Client, failedCall.Kind);
        Assert.Equal(("chat", "test/delta", "ServerError"),
            (failedCall.GetTagItem("gen_ai.operation.name"), failedCall.GetTagItem("gen_ai.request.model"), failedCall.GetTagItem("error.type")));
        var okCall = Single(ChildrenOf(spans, okAttempt), "chat " + answered);
        Assert.Equal(answered, okCall.GetTagItem("gen_ai.response.model"));
        Assert.True((int)okCall.GetTagItem("gen_ai.usage.input_tokens")! > 0);
        Assert.True((int)okCall.GetTagItem("gen_ai.usage.output_tokens")! > 0);
        var httpCalls = new[] { failedCall, okCall }.Select(call => Assert.Single(ChildrenOf(spans, call), s => s.Kind == ActivityKind.Client)).ToList();
        Assert.All(httpCalls, c => Assert.Equal(("POST", "/api/v1/chat/completions"), (c.DisplayName, new Uri((string)c.GetTagItem("url.full")!).AbsolutePath)));
        Assert.Equal((500, 200), ((int)httpCalls[0].GetTagItem("http.response.status_code")!, (int)httpCalls[1].GetTagItem("http.response.status_code")!));
        // OpenRouter is sent the context of the HTTP call's span, so its own spans would nest under it.
        Assert.Equal(httpCalls[1].Id, _fake.Script.LastHeaders["traceparent"]);

        // No text in spans unless ROUTER_TRACE_CONTENT: no tag anywhere holds the prompt.
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), t => t.Value?.ToString()?.Contains("secret prompt") == true);
    }

    [Fact]
    public async Task A_stream_is_traced_to_its_end_with_its_first_token_as_an_event()
    {
        var (spans, _) = await SendTracedAsync(new { model = "test/beta", stream = true, messages = new[] { new { role = "user", content = "Hi" } } });
        var route = Single(spans, "route");
        Assert.Equal(true, route.GetTagItem("router.stream"));
        var attempt = Single(ChildrenOf(spans, route), "attempt test/beta");
        await Wait.UntilAsync(() => _spans.Of(route.TraceId).Any(s => s.DisplayName == "chat test/beta")); // ends with the stream
        var call = Single(_spans.Of(route.TraceId), "chat test/beta");
        Assert.Equal(attempt.SpanId, call.ParentSpanId);
        Assert.Contains(call.Events, e => e.Name == "gen_ai.first_token");
        Assert.True((int)call.GetTagItem("gen_ai.usage.output_tokens")! > 0);
    }

    [Fact]
    public async Task Each_routed_request_logs_one_structured_line_with_its_trace()
    {
        var (spans, _) = await SendTracedAsync(new { model = "test/delta", messages = new[] { new { role = "user", content = "Hi" } } });
        var route = Single(spans, "route");
        await Wait.UntilAsync(() => _logs.Entries.Any(e => e.Category.EndsWith(".RequestLog", StringComparison.Ordinal)));
        var line = Assert.Single(_logs.Entries, e => e.Category.EndsWith(".RequestLog", StringComparison.Ordinal)).Fields;
        Assert.Equal(route.GetTagItem("router.route_id"), line["RouteId"]);
        Assert.Equal(route.TraceId.ToHexString(), line["TraceId"]);
        Assert.Equal((200, 2), (line["Status"], line["Attempts"]));
        Assert.Equal(route.GetTagItem("gen_ai.response.model"), line["Model"]);
        Assert.True((double)line["LatencyMs"]! > 0);
        Assert.True(line.ContainsKey("CostUsd"));
        Assert.Contains(_logs.Lines, l => l.Contains("falling back", StringComparison.Ordinal)); // the model switch keeps its line
    }

    [Fact]
    public async Task A_request_its_caller_did_not_sample_leaves_no_span_and_no_orphan_upstream_call()
    {
        var hello = new { model = "test/beta", messages = new[] { new { role = "user", content = "Hi" } } };
        var (unsampled, _) = await SendAsync(hello, sampled: false);
        // The same model's actor ends the first call before the second: once the second is exported, the first would be.
        var (spans, _) = await SendTracedAsync(hello);
        await Wait.UntilAsync(() => _spans.Of(spans[0].TraceId).Any(s => s.DisplayName == "chat test/beta"));

        Assert.Empty(_spans.Of(unsampled));
        lock (_spans)
            Assert.DoesNotContain(_spans, s => s.ParentSpanId == default); // no upstream call, nor anything else, as a trace of its own
    }

    [Fact]
    public async Task A_request_without_a_traceparent_starts_a_trace_of_its_own()
    {
        using var response = await Http.PostAsJsonAsync(_node.Url + "/v1/chat/completions", new { model = "test/beta", messages = new[] { new { role = "user", content = "Hi" } } });
        Assert.True(response.IsSuccessStatusCode);
        Activity? server = null;
        await Wait.UntilAsync(() => (server = _spans.ToArray().FirstOrDefault(s => s.Kind == ActivityKind.Server && s.ParentSpanId == default)) is not null
                                    && _spans.Of(server.TraceId).Any(s => s.DisplayName == "chat test/beta"));
        Assert.Equal(("POST", "/v1/chat/completions", 200), (server!.GetTagItem("http.request.method"), server.GetTagItem("http.route"), server.GetTagItem("http.response.status_code")));
        var route = Single(_spans.Of(server.TraceId), "route");
        Assert.Equal(server.SpanId, route.ParentSpanId);
    }
}
