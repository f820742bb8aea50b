using System.Text.Json;
using Microsoft.Extensions.AI;
using Router.Client;
using Router.Client.Chat;
using Router.Contracts;
using Router.Contracts.Messages;
using Router.Contracts.OpenRouter;

namespace Router.Tests.Client;

/// <summary>Router's answers as M.E.AI's: plain completions, and streamed chunks with tool calls in fragments.</summary>
public class ChatResponseMappingTests
{
    private static readonly AttemptRecord[] Attempts =
    [
        new(new ModelId("a/down"), AttemptOutcome.Failed, "server_error", 503, 12),
        new(new ModelId("b/up"), AttemptOutcome.Ok, null, 200, 30),
    ];

    private static ChatCompletionResponse Completion(string json) =>
        JsonSerializer.Deserialize(json, RouterJsonContext.Default.ChatCompletionResponse)!;

    private static ChatCompletionChunk Chunk(string json) => JsonSerializer.Deserialize(json, RouterJsonContext.Default.ChatCompletionChunk)!;

    [Fact]
    public void A_completion_gives_text_model_finish_usage_and_the_route()
    {
        var response = ChatResponseMapping.ToResponse(new RoutedCompletion(Completion("""
            {"id":"gen-1","model":"b/up","created":1700000000,
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello","reasoning":"thinking"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,
                      "prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2}}}
            """), new ModelId("b/up"), Attempts, 0.0042));
        Assert.Equal("Hello", response.Text);
        Assert.Equal("b/up", response.ModelId);
        Assert.Equal("gen-1", response.ResponseId);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), response.CreatedAt);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        Assert.Equal("thinking", response.Messages[0].Contents.OfType<TextReasoningContent>().Single().Text);
        Assert.Equal((5, 7, 12, 3, 2), (response.Usage!.InputTokenCount, response.Usage.OutputTokenCount, response.Usage.TotalTokenCount,
            response.Usage.CachedInputTokenCount, response.Usage.ReasoningTokenCount));
        var route = Assert.IsType<RouterInfo>(response.AdditionalProperties![ChatResponseMapping.RouterProperty]);
        Assert.Equal("b/up", route.Model);
        Assert.Equal(2, route.Attempts.Count);
        Assert.Equal(0.0042, route.CostUsd);
        Assert.Same(route, response.Messages[0].AdditionalProperties![ChatResponseMapping.RouterProperty]);
        Assert.IsType<RoutedCompletion>(response.RawRepresentation);
    }

    [Fact]
    public void Tool_calls_become_function_calls_with_parsed_arguments()
    {
        var response = ChatResponseMapping.ToResponse(new RoutedCompletion(Completion("""
            {"id":"gen-2","model":"b/up","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":2}"}},
               {"id":"call_10","type":"function","function":{"name":"broken","arguments":"{not json"}}]},
             "finish_reason":"tool_calls"}]}
            """), new ModelId("b/up"), Attempts, null));
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        var calls = response.Messages[0].Contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(("call_9", "get_weather"), (calls[0].CallId, calls[0].Name));
        Assert.Equal("Paris", calls[0].Arguments!["city"]?.ToString());
        Assert.Null(calls[0].Exception);
        Assert.NotNull(calls[1].Exception); // arguments a model botched are reported on the call, not thrown
        Assert.Null(response.Usage);
    }

    [Fact]
    public void Streamed_tool_call_fragments_become_one_whole_call_when_the_choice_finishes()
    {
        var updates = new StreamedUpdates(new RouterInfo("b/up", Attempts));
        var first = updates.Read(Chunk("""{"id":"g","model":"b/up","choices":[{"index":0,"delta":{"role":"assistant","content":"","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}"""));
        var middle = updates.Read(Chunk("""{"id":"g","model":"b/up","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"finish_reason":null}]}"""));
        var last = updates.Read(Chunk("""{"id":"g","model":"b/up","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]},"finish_reason":null}]}"""));
        var finish = updates.Read(Chunk("""{"id":"g","model":"b/up","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""));
        var usage = updates.Read(Chunk("""{"id":"g","model":"b/up","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10}}"""), costUsd: 0.5);

        Assert.Empty(first.Contents.OfType<FunctionCallContent>().Concat(middle.Contents.OfType<FunctionCallContent>()).Concat(last.Contents.OfType<FunctionCallContent>()));
        var call = Assert.Single(finish.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "get_weather", "Oslo"), (call.CallId, call.Name, call.Arguments!["city"]?.ToString()));
        Assert.Equal(ChatFinishReason.ToolCalls, finish.FinishReason);
        Assert.Equal(10, Assert.Single(usage.Contents.OfType<UsageContent>()).Details.TotalTokenCount);
        Assert.Null(updates.End());

        // The route rides on the first update, and with the cost on the usage update; merged, the response has both.
        Assert.Equal("b/up", Assert.IsType<RouterInfo>(first.AdditionalProperties![ChatResponseMapping.RouterProperty]).Model);
        Assert.Null(middle.AdditionalProperties);
        var merged = new[] { first, middle, last, finish, usage }.ToChatResponse();
        // M.E.AI merges an update's properties into its message; a plain response has the route on its message too.
        Assert.Equal(0.5, Assert.IsType<RouterInfo>(merged.Messages[0].AdditionalProperties![ChatResponseMapping.RouterProperty]).CostUsd);
        Assert.Equal(10, merged.Usage!.TotalTokenCount);
        Assert.Equal("get_weather", merged.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single().Name);
    }

    [Fact]
    public void Text_deltas_stay_in_order_and_a_stream_cut_before_its_finish_still_hands_over_its_calls()
    {
        var updates = new StreamedUpdates(new RouterInfo("b/up", Attempts));
        var texts = new[] { "Hel", "lo" }.Select(t => updates.Read(Chunk($$"""{"id":"g","choices":[{"index":0,"delta":{"content":"{{t}}"},"finish_reason":null}]}"""))).ToList();
        Assert.Equal("Hello", texts.ToChatResponse().Text);

        updates.Read(Chunk("""{"id":"g","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}"""));
        var end = updates.End();
        Assert.Equal("f", Assert.Single(end!.Contents.OfType<FunctionCallContent>()).Name);
    }
}
