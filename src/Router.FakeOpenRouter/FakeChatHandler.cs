using System.Text;
using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.FakeOpenRouter;

/// <summary>Answers one <c>POST /chat/completions</c> the way OpenRouter does, bent by the model's <see cref="FakeBehavior"/>.</summary>
internal sealed class FakeChatHandler(FakeScript script, FakeOpenRouterOptions options)
{
    private static long _ids;

    public async Task HandleAsync(HttpContext http)
    {
        var ct = http.RequestAborted;
        if (!FakeResponses.IsAuthorized(http, options.ApiKey))
        {
            await FakeResponses.WriteErrorAsync(http, 401, "User not found.", null);
            return;
        }
        script.LastHeaders = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        script.LastProtocol = http.Request.Protocol;
        script.RecordConnection(http.Connection.Id);

        ChatCompletionRequest? request;
        try
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, ct);
            var received = body.GetBuffer().AsMemory(0, (int)body.Length); // read once, kept as read: no second copy
            script.LastBody = received;
            // This request's own bytes: LastBody is shared, and a concurrent request may have replaced it already.
            request = JsonSerializer.Deserialize(received.Span, RouterJsonContext.Default.ChatCompletionRequest);
        }
        catch (JsonException e)
        {
            await FakeResponses.WriteErrorAsync(http, 400, "Invalid JSON body: " + e.Message, null);
            return;
        }
        if (request is null || request.Messages is not { Count: > 0 })
        {
            await FakeResponses.WriteErrorAsync(http, 400, "messages: at least one message is required", null);
            return;
        }
        var model = request.Model ?? script.Catalog.FirstOrDefault()?.Id ?? "";
        if (!script.IsKnownModel(model))
        {
            await FakeResponses.WriteErrorAsync(http, 400, $"{model} is not a valid model ID", null);
            return;
        }

        var callNumber = script.RecordCall(model);
        var behavior = script.For(model);
        try
        {
            await AnswerAsync(http, request, model, callNumber, behavior, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            script.RecordCancelled();
        }
    }

    private async Task AnswerAsync(HttpContext http, ChatCompletionRequest request, string model, int callNumber, FakeBehavior behavior, CancellationToken ct)
    {
        if (behavior.Hang || (behavior.HangProbability > 0 && Random.Shared.NextDouble() < behavior.HangProbability))
            await Task.Delay(Timeout.Infinite, ct);

        if (ShouldFail(behavior, callNumber))
        {
            await DelayAsync(behavior.LatencyMs, ct);
            var status = behavior.StatusCode!.Value;
            await FakeResponses.WriteErrorAsync(http, status, FakeResponses.MessageFor(status, model), behavior.RetryAfterSeconds);
            return;
        }

        if (behavior.RawAnswer is { Count: > 0 } raw)
        {
            await RawAsync(http, raw, request.Stream == true, behavior, ct);
            return;
        }

        var call = behavior.Content is null ? FakeToolCalls.Wanted(request) : null;
        var tokens = call is not null ? [] : Tokenize(behavior.Content ?? DefaultContent(model, request), request.MaxTokens);
        var promptTokens = request.Messages.Sum(m => m.ContentText.Length) / 4 + 1;
        var completionTokens = call is null ? tokens.Count : call.Arguments.Length / 4 + 1;
        var usage = new Usage { PromptTokens = promptTokens, CompletionTokens = completionTokens, TotalTokens = promptTokens + completionTokens };
        var id = $"gen-{Interlocked.Increment(ref _ids)}-{Environment.TickCount64 % 100000}";

        if (request.Stream == true)
            await StreamAsync(http, model, id, tokens, usage, behavior, call, ct);
        else
            await CompleteAsync(http, model, id, tokens, usage, behavior, call, ct);
    }

    private static bool ShouldFail(FakeBehavior behavior, int callNumber) =>
        behavior.StatusCode is not null
        && (behavior.FailTimes is null || callNumber <= behavior.FailTimes)
        && (behavior.StatusProbability >= 1.0 || Random.Shared.NextDouble() < behavior.StatusProbability);

    private static async Task CompleteAsync(HttpContext http, string model, string id, List<string> tokens, Usage usage, FakeBehavior behavior,
        FakeToolCalls.Call? call, CancellationToken ct)
    {
        await DelayAsync(behavior.LatencyMs + TokenTimeMs(behavior, tokens.Count), ct);
        http.Response.ContentType = "application/json";
        if (behavior.Malformed)
        {
            await http.Response.WriteAsync("{\"id\":\"" + id + "\",\"choices\":[{\"message\":", ct);
            return;
        }
        var response = new ChatCompletionResponse
        {
            Id = id,
            Provider = ProviderOf(model),
            Model = model,
            Object = "chat.completion",
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Choices =
            [
                new ChatChoice
                {
                    Index = 0,
                    Message = call is null ? ChatMessage.Text("assistant", string.Concat(tokens)) : FakeToolCalls.Message(call),
                    FinishReason = call is null ? "stop" : "tool_calls",
                    NativeFinishReason = call is null ? "stop" : "tool_calls",
                },
            ],
            Usage = usage,
        };
        await http.Response.WriteAsJsonAsync(response, RouterJsonContext.Default.ChatCompletionResponse, contentType: null, ct);
    }

    private static async Task RawAsync(HttpContext http, IReadOnlyList<string> raw, bool stream, FakeBehavior behavior, CancellationToken ct)
    {
        await DelayAsync(behavior.LatencyMs, ct);
        if (!stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(raw[0], ct);
            return;
        }
        var writer = new SseWriter(http.Response, behavior);
        http.Response.ContentType = "text/event-stream";
        foreach (var data in raw)
            await writer.DataAsync(data, ct);
        await writer.DataAsync("[DONE]", ct);
    }

    private async Task StreamAsync(HttpContext http, string model, string id, List<string> tokens, Usage usage, FakeBehavior behavior,
        FakeToolCalls.Call? call, CancellationToken ct)
    {
        var writer = new SseWriter(http.Response, behavior);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.StartAsync(ct);
        script.StreamStarted(model);
        try
        {
            await WaitAsync(writer, behavior, ct);
            if (behavior.Malformed)
            {
                await writer.DataAsync("{\"id\":\"" + id + "\",\"choices\":[{\"delta\":", ct);
                return;
            }

            var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            await writer.ChunkAsync(Chunk(id, model, created, new ChatDelta { Role = "assistant", Content = "" }, null), ct);
            var perToken = TokenTimeMs(behavior, 1);
            var errorAt = behavior.MidStreamErrorAfterChunks is { } at && Random.Shared.NextDouble() < behavior.MidStreamErrorProbability ? at : -1;
            for (var i = 0; i < tokens.Count; i++)
            {
                if (errorAt == i)
                {
                    await writer.ChunkAsync(Chunk(id, model, created, new ChatDelta { Content = "" }, "error") with
                    {
                        Error = new ErrorDetail { Code = JsonSerializer.SerializeToElement("server_error"), Message = "Provider disconnected unexpectedly" },
                    }, ct);
                    return;
                }
                if (behavior.HangAfterChunks == i)
                    await Task.Delay(Timeout.Infinite, ct);
                await DelayAsync(perToken, ct);
                await writer.ChunkAsync(Chunk(id, model, created, new ChatDelta { Content = tokens[i] }, null), ct);
            }
            foreach (var delta in call is null ? [] : FakeToolCalls.Deltas(call))
                await writer.ChunkAsync(Chunk(id, model, created, delta, null), ct);
            await writer.ChunkAsync(Chunk(id, model, created, new ChatDelta(), call is null ? "stop" : "tool_calls"), ct);
            await writer.ChunkAsync(new ChatCompletionChunk
            {
                Id = id, Provider = ProviderOf(model), Model = model, Object = "chat.completion.chunk", Created = created,
                Choices = [], Usage = usage,
            }, ct);
            await writer.DataAsync("[DONE]", ct);
        }
        finally
        {
            script.StreamEnded(model);
        }
    }

    /// <summary>The think time before the first chunk, with OpenRouter's keep-alive comments.</summary>
    private static async Task WaitAsync(SseWriter writer, FakeBehavior behavior, CancellationToken ct)
    {
        if (!behavior.ProcessingComments)
        {
            await DelayAsync(behavior.LatencyMs, ct);
            return;
        }
        await writer.CommentAsync("OPENROUTER PROCESSING", ct);
        if (behavior.CommentEveryMs <= 0)
        {
            await DelayAsync(behavior.LatencyMs, ct);
            return;
        }
        var until = System.Diagnostics.Stopwatch.GetTimestamp() + behavior.LatencyMs * System.Diagnostics.Stopwatch.Frequency / 1000;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
            var left = (until - System.Diagnostics.Stopwatch.GetTimestamp()) * 1000 / System.Diagnostics.Stopwatch.Frequency;
            await DelayAsync((int)Math.Min(behavior.CommentEveryMs, Math.Max(left, 0)), ct);
            await writer.CommentAsync("OPENROUTER PROCESSING", ct);
        }
    }

    private static ChatCompletionChunk Chunk(string id, string model, long created, ChatDelta delta, string? finishReason) => new()
    {
        Id = id,
        Provider = ProviderOf(model),
        Model = model,
        Object = "chat.completion.chunk",
        Created = created,
        Choices = [new ChunkChoice { Index = 0, Delta = delta, FinishReason = finishReason, NativeFinishReason = finishReason }],
    };

    private static string ProviderOf(string model) => model.Split('/')[0] switch
    {
        "openai" => "OpenAI",
        "anthropic" => "Anthropic",
        "google" => "Google",
        var p => p,
    };

    private static string DefaultContent(string model, ChatCompletionRequest request)
    {
        if (FakeToolCalls.ToolAnswer(request) is { } answer)
            return $"I am {model}; the tool answered: {answer}";
        var said = request.Messages.LastOrDefault(m => m.Role == "user")?.ContentText ?? "";
        if (said.Length > 200) said = said[..200] + "...";
        return $"Hello! I am {model}, answering through the fake OpenRouter. You said: {said}";
    }

    /// <summary>Splits text into word-sized tokens that keep their leading space, capped at <paramref name="maxTokens"/>.</summary>
    internal static List<string> Tokenize(string text, int? maxTokens)
    {
        var tokens = new List<string>();
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                tokens.Add(text[start..i]);
                start = i;
            }
        }
        return maxTokens is { } max && max >= 0 && tokens.Count > max ? tokens[..max] : tokens;
    }

    private static int TokenTimeMs(FakeBehavior behavior, int tokens) =>
        behavior.TokensPerSecond > 0 ? (int)(tokens * 1000 / behavior.TokensPerSecond) : 0;

    private static Task DelayAsync(int ms, CancellationToken ct) => ms > 0 ? Task.Delay(ms, ct) : Task.CompletedTask;
}
