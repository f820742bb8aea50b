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
        ChatCompletionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Body, RouterJsonContext.Default.ChatCompletionRequest, ct);
        }
        catch (JsonException e)
        {
            return (null, OpenAiError.BadRequest(Describe(e), e.Path?.TrimStart('$', '.')));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = http.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            return (null, new OpenAiError($"Request body is larger than the limit of {limit} bytes", "invalid_request_error", null, "request_too_large", 413, null, false, false));
        }
        if (request is null)
            return (null, OpenAiError.BadRequest("Request body must be a JSON object"));
        return (request, Validate(request, maxMessages));
    }

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
