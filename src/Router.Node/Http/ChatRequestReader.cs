using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Node.Http;

/// <summary>Reads and validates a chat completion body; every problem becomes a 4xx with a message naming the field.</summary>
public static class ChatRequestReader
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static async Task<(ChatCompletionRequest? Request, OpenAiError? Error)> ReadAsync(HttpRequest http, int maxMessages, CancellationToken ct)
    {
        var limit = http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (http.ContentLength > limit)
            return (null, TooLarge(limit));
        ChatCompletionRequest? request;
        try
        {
            using var buffer = new MemoryStream((int)Math.Min(http.ContentLength ?? 4096, limit ?? int.MaxValue));
            await http.Body.CopyToAsync(buffer, ct);
            var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (!System.Text.Unicode.Utf8.IsValid(body.Span))
                return (null, OpenAiError.BadRequest("Request body is not valid UTF-8"));
            request = JsonSerializer.Deserialize(body.Span, RouterJsonContext.Default.ChatCompletionRequest);
        }
        catch (JsonException e)
        {
            return (null, OpenAiError.BadRequest(Describe(e), e.Path?.TrimStart('$', '.')));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
        if (request is null)
            return (null, OpenAiError.BadRequest("Request body must be a JSON object"));
        return (request, Validate(request, maxMessages));
    }

    private static OpenAiError TooLarge(long? limit) =>
        new($"Request body is larger than the limit of {limit} bytes", "invalid_request_error", null, "request_too_large", 413, null, false, false);

    public static OpenAiError? Validate(ChatCompletionRequest request, int maxMessages)
    {
        if (request.Messages is not { Count: > 0 })
            return OpenAiError.BadRequest("'messages' must be a non-empty array", "messages");
        if (request.Messages.Count > maxMessages)
            return OpenAiError.BadRequest($"'messages' has {request.Messages.Count} items; the limit is {maxMessages}", "messages", "too_many_messages");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
                return OpenAiError.BadRequest($"'messages[{i}]' must be an object", $"messages[{i}]");
            if (!Roles.Contains(message.Role))
                return OpenAiError.BadRequest($"'messages[{i}].role' must be one of {string.Join(", ", Roles)}; got '{message.Role}'", $"messages[{i}].role");
            if (message.Content is { ValueKind: not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null) })
                return OpenAiError.BadRequest($"'messages[{i}].content' must be a string or an array of content parts", $"messages[{i}].content");
        }
        if (request.Model is { } model && string.IsNullOrWhiteSpace(model))
            return OpenAiError.BadRequest("'model' must not be empty", "model");
        if (request.Models is { } models && models.Any(string.IsNullOrWhiteSpace))
            return OpenAiError.BadRequest("'models' must hold model ids", "models");
        if (request.Temperature is < 0 or > 2)
            return OpenAiError.BadRequest("'temperature' must be between 0 and 2", "temperature");
        if (request.MaxTokens is < 1)
            return OpenAiError.BadRequest("'max_tokens' must be at least 1", "max_tokens");
        return null;
    }

    private static string Describe(JsonException e)
    {
        var where = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at '{e.Path.TrimStart('$', '.')}'";
        var message = e.Message;
        if (message.Contains("missing required properties", StringComparison.OrdinalIgnoreCase))
            return "Request body is missing required field 'messages'";
        if (message.Contains("could not be converted", StringComparison.OrdinalIgnoreCase))
            return $"Request body has a value of the wrong type{where}";
        return $"Request body is not valid JSON{where}: {message.Split(" Path:")[0]}";
    }
}
