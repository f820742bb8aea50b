using System.Text.Json;
using Akka.Actor;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;
using Router.Contracts.Serialization;
using Router.FakeOpenRouter;
using Router.Tests.Support;
using Xunit.Abstractions;

namespace Router.Tests.Serialization;

public class RouterSerializerTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(TestActorSystems.Create(AkkaConfigs.Local), output)
{
    private static readonly DateTimeOffset T = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);
    private static readonly ModelId Id = new("openai/gpt-4o");
    private static readonly UpstreamError Error = new(UpstreamErrorKind.RateLimited, 429, "slow down", true, TimeSpan.FromSeconds(9), "m");

    private static readonly ChatCompletionRequest Request = new()
    {
        Model = "a/b",
        Models = ["c/d"],
        Messages = [ChatMessage.Text("user", "héllo ✓")],
        Temperature = 0.7,
        MaxTokens = 10,
        Extra = new() { ["top_p"] = JsonSerializer.SerializeToElement(0.9) },
    };

    private static readonly UpstreamCompletion Completion = UpstreamCompletion.Read(
        """{"id":"g1", "model":"a/b","choices":[{"index":0,"message":{"role":"assistant","content":"héllo ✓ \u00e9"}}],"x":{"y":[1,2]}}"""u8.ToArray());

    public static TheoryData<IRouterMessage> Messages => new()
    {
        new CallModel(Id, "r1", Request),
        new StartStream(Id, "r2", Request),
        new CancelCall(Id, "r3"),
        new GetModelHealth(Id),
        new RecordMeasurement(Id, false, 12.5, Error),
        new AttemptFailed("r1", Id, Error),
        new AttemptRejected("r1", Id, RestReason.CircuitOpen, T),
        new CircuitOpened(T, T.AddSeconds(30), 2, "5 failures"),
        new CircuitClosed(T),
        new CooldownStarted(T, T.AddMinutes(1), RestReason.RateLimited, true),
        new ModelHealthSnapshot(CircuitState.Open, T, 1, T, RestReason.ModelUnavailable, 2, 10, 3, 120.5, "err", T, T),
        new ModelHealthView(Id, CircuitState.HalfOpen, T, null, null, 1, 2, 3, 4.5, null, T, null, 1),
        new CatalogUpdated(SyntheticCatalog.Generate(3), T, 4, 5, 6, "e", T),
        new CatalogSnapshot(SyntheticCatalog.Generate(3), T, 4, 5, 6),
        new PersistenceChecked(T),
        new RouteRequest(Request, true, false),
        new RouteFailed(Error, [new AttemptRecord(Id, AttemptOutcome.Failed, "x", 429, 1.5)]),
        new Completed("r1", Id, Completion, 12.5),
        new RouteCompleted(Completion, Id, [new AttemptRecord(Id, AttemptOutcome.Ok, null, 200, 12.5)]),
        new StreamChunk(UpstreamChunk.Read("""{"id":"c","choices":[{"index":0,"delta":{"content":"hi","refusal":null},"finish_reason":null}]}""")),
        new StreamFault(Error),
        new ModelHealthView(Id, CircuitState.Closed, null, null, null, 0, 2, 0, 4.5, null, T, null, 0, "akka.tcp://router@127.0.0.1:1", new ModelPerformance(120.5, 48.25, 0.1)),
        new ModelHealthSnapshot(CircuitState.Closed, null, 0, null, null, 0, 10, 3, 120.5, null, T, T, new ModelPerformance(null, 48.25, 0)),
        new RecordMeasurement(Id, true, 800, null, 120, 42),
        new RouteFailed(Error, [new AttemptRecord(Id, AttemptOutcome.Skipped, "context too small", null, 0, 3, "sort price; price: 0.0001 USD expected")]),
        new RouteRequest(Request with { RouterOptions = new RouterOptions { Sort = RouteSort.Score, ListedFirst = false } }, false, false),
        new CheckQuota("spend:global:2026-11-30", 12.5),
        new AddToQuota("spend:key:abc:2026-11-30", 0.000123),
        new QuotaUsed(0.000123),
        new QuotaSnapshot(4.25),
        new CacheGet("ab12", TimeSpan.FromSeconds(30)),
        new CachePut("ab12", new CachedAnswer("{\"id\":\"x\"}"u8.ToArray(), Id, [new AttemptRecord(Id, AttemptOutcome.Ok, null, 200, 1.5, 1, "requested model")], T)),
        new CacheHit(new CachedAnswer([1, 2, 3], Id, [], T), true),
        new CacheLead("ab12"),
        new CacheBusy("ab12"),
        new CacheRelease("ab12"),
        new CachePurge("ab"),
        new CacheLeave("ab12", "asker-1"),
        new CacheGet("ab12", null, "asker-2"),
        new CacheGet("ab12", null, "asker-3", Stream: true),
        new CachePut("ab12", new CachedAnswer("{}"u8.ToArray(), Id, [], T, ["{\"choices\":[]}"u8.ToArray(), [7]])),
        new CacheStreamOpen("ab12"),
        new JoinFlight("ab12"),
        new GetModelHistory(Id),
        new ModelHistory(Id, [new HistoryPoint(T, 3, 1, 120.5, 300, null, CircuitState.HalfOpen)]),
        new CacheDropped(["ab12", "ab34"]),
        new CacheSnapshot([new CachePut("ab12", new CachedAnswer("{}"u8.ToArray(), Id, [], T))]),
        new CachePurged(0),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_uses_the_router_serializer_and_round_trips(IRouterMessage message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<RouterSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.Equal(JsonSerializer.Serialize(message, message.GetType(), RouterSerializer.CreateOptions(null)),
            JsonSerializer.Serialize(back, back.GetType(), RouterSerializer.CreateOptions(null)));
        Assert.Equal(message.GetType(), back.GetType());
    }

    [Fact]
    public void A_completion_crosses_nodes_byte_for_byte()
    {
        var message = new Completed("r1", Id, Completion, 12.5);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (Completed)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(Completion.Json.ToArray(), back.Completion.Json.ToArray());
        Assert.Equal("héllo ✓ é", back.Completion.Response.Choices![0].Message!.ContentText);
    }

    [Fact]
    public void A_stream_chunk_crosses_nodes_byte_for_byte_nulls_included()
    {
        const string json = """{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"t","type":"function","function":{"name":"f","arguments":""}}]},"logprobs":null,"finish_reason":null}],"system_fingerprint":null}""";
        StreamItem message = new StreamChunk(UpstreamChunk.Read(json));
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var back = (StreamChunk)Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        Assert.Equal(json, System.Text.Encoding.UTF8.GetString(back.Chunk.Json.Span));
        Assert.True(back.Chunk.HasContent); // a tool call is content even with a null text
    }

    [Fact]
    public void Records_with_value_semantics_compare_equal_after_a_round_trip()
    {
        var serializer = (RouterSerializer)Sys.Serialization.FindSerializerFor(new CircuitOpened(T, T, 1, "r"));
        var events = new IRouterMessage[] { new CircuitOpened(T, T.AddSeconds(1), 1, "r"), new CooldownStarted(T, T, RestReason.CoolingDown, false), new CircuitClosed(T) };
        foreach (var e in events)
            Assert.Equal(e, serializer.FromBinary(serializer.ToBinary(e), serializer.Manifest(e)));
    }

    [Fact]
    public void Every_message_type_in_contracts_is_known_to_the_serializer()
    {
        var types = typeof(IRouterMessage).Assembly.GetTypes()
            .Where(t => typeof(IRouterMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });
        Assert.All(types, t => Assert.Contains(t, RouterSerializer.MessageTypes));
        Assert.Equal(RouterSerializer.MessageTypes.Count, RouterSerializer.MessageTypes.Select(t => t.Name).Distinct().Count());
    }

    /// <summary>Stored data names its type by these; a change here is a change to the format of data already written.</summary>
    [Fact]
    public void Manifests_are_pinned()
    {
        var pinned = new Dictionary<string, string>
        {
            ["CatalogSnapshot"] = "catalog-snapshot", ["CircuitClosed"] = "circuit-closed", ["CircuitOpened"] = "circuit-opened",
            ["CooldownStarted"] = "cooldown-started", ["ModelHealthSnapshot"] = "model-health-snapshot",
            ["PersistenceChecked"] = "persistence-checked", ["QuotaSnapshot"] = "quota-snapshot", ["QuotaUsed"] = "quota-used",
            ["AttemptFailed"] = "attempt-failed", ["AttemptRecord"] = "attempt-record", ["AttemptRejected"] = "attempt-rejected",
            ["CallInProgress"] = "call-in-progress", ["CancelCall"] = "cancel-call", ["CancelRoute"] = "cancel-route",
            ["CatalogRefreshAnswer"] = "catalog-refresh-answer", ["CatalogUpdated"] = "catalog-updated", ["CallModel"] = "complete",
            ["Completed"] = "completed", ["ConsumeQuota"] = "consume-quota", ["CacheGet"] = "cache-get", ["GetModelHistory"] = "get-model-history", ["ModelHistory"] = "model-history", ["HistoryPoint"] = "history-point", ["CacheHit"] = "cache-hit", ["CacheLead"] = "cache-lead",
            ["CacheBusy"] = "cache-busy", ["CachePut"] = "cache-put", ["CacheRelease"] = "cache-release", ["CacheLeave"] = "cache-leave", ["CachePurge"] = "cache-purge", ["CachePurged"] = "cache-purged", ["CachedAnswer"] = "cached-answer", ["CacheStreamOpen"] = "cache-stream-open", ["CacheDropped"] = "cache-dropped", ["CacheSnapshot"] = "cache-snapshot", ["JoinFlight"] = "join-flight", ["FlightJoined"] = "flight-joined", ["CheckQuota"] = "check-quota", ["AddToQuota"] = "add-to-quota", ["GetCallStatus"] = "get-call-status",
            ["GetCatalog"] = "get-catalog", ["GetModelHealth"] = "get-model-health", ["ModelHealthView"] = "model-health-view",
            ["QuotaDenied"] = "quota-denied", ["QuotaGranted"] = "quota-granted", ["RecordMeasurement"] = "record-measurement",
            ["RefreshCatalog"] = "refresh-catalog", ["ReleaseQuota"] = "release-quota", ["RouteCompleted"] = "route-completed",
            ["RouteFailed"] = "route-failed", ["RouteRequest"] = "route-request", ["RouteStreaming"] = "route-streaming",
            ["StartStream"] = "start-stream", ["StreamChunk"] = "stream-chunk", ["StreamFault"] = "stream-fault",
            ["StreamStarted"] = "stream-started",
        };
        Assert.Equal(pinned.OrderBy(p => p.Key), MessageManifests.ByType.Select(p => KeyValuePair.Create(p.Key.Name, p.Value)).OrderBy(p => p.Key));
        var serializer = (RouterSerializer)Sys.Serialization.FindSerializerFor(new CircuitClosed(T));
        Assert.Equal("circuit-closed", serializer.Manifest(new CircuitClosed(T)));
    }

    [Fact]
    public void Rest_reasons_are_stored_as_the_text_they_always_were()
    {
        var serializer = (RouterSerializer)Sys.Serialization.FindSerializerFor(new CircuitClosed(T));
        var json = System.Text.Encoding.UTF8.GetString(serializer.ToBinary(new CooldownStarted(T, T, RestReason.RateLimited, true)));
        Assert.Contains("\"reason\":\"rate limited\"", json);
        var stored = System.Text.Encoding.UTF8.GetBytes("{\"at\":\"2026-01-01T00:00:00+00:00\",\"until\":\"2026-01-01T00:10:00+00:00\",\"reason\":\"model unavailable\",\"rate_limited\":false}");
        Assert.Equal(RestReason.ModelUnavailable, ((CooldownStarted)serializer.FromBinary(stored, "CooldownStarted")).Reason);
        Assert.Equal("circuit half-open, probe in flight", RestReason.ProbeInFlight.Text());
    }

    [Fact]
    public void Data_written_under_the_type_name_still_reads()
    {
        var serializer = (RouterSerializer)Sys.Serialization.FindSerializerFor(new CircuitClosed(T));
        var bytes = serializer.ToBinary(new CircuitClosed(T));
        Assert.Equal(new CircuitClosed(T), serializer.FromBinary(bytes, nameof(CircuitClosed)));
        Assert.Equal(new CircuitClosed(T), serializer.FromBinary(bytes, "circuit-closed"));
    }

    [Fact]
    public void A_local_stream_cannot_be_serialized_for_another_node()
    {
        var message = new StreamStarted("r1", new ModelId("m"), new SameNodeSourceRef<StreamItem>(Akka.Streams.Dsl.Source.Empty<StreamItem>()), 1);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var error = Assert.ThrowsAny<Exception>(() => serializer.ToBinary(message));
        Assert.Contains("cannot be sent to another node", error.ToString());
    }

    [Fact]
    public void An_unknown_manifest_is_an_error_not_a_null()
    {
        var serializer = (RouterSerializer)Sys.Serialization.FindSerializerFor(new CircuitClosed(T));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "NoSuchType"));
    }
}
