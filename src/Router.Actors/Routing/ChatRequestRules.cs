using System.Text.Json;
using Router.Contracts;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>What a chat request must be before it is routed, whatever it came through (HTTP or an embedded client).</summary>
public static class ChatRequestRules
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool", "function"];

    /// <summary>Longer than any real model id (OpenRouter's are under 100 characters).</summary>
    public const int MaxModelIdLength = 256;

    /// <summary>Most ids in a request's own fallback list.</summary>
    public const int MaxModels = 100;

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
            if (message.Content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null or JsonValueKind.Undefined))
                return OpenAiError.BadRequest($"'messages[{i}].content' must be a string or an array of content parts", $"messages[{i}].content");
        }
        if (request.Model is { } model && string.IsNullOrWhiteSpace(model))
            return OpenAiError.BadRequest("'model' must not be empty", "model");
        if (request.Model is { Length: > MaxModelIdLength })
            return OpenAiError.BadRequest($"'model' is longer than {MaxModelIdLength} characters", "model", "model_id_too_long");
        if (request.Models is { } models)
        {
            if (models.Any(string.IsNullOrWhiteSpace))
                return OpenAiError.BadRequest("'models' must hold model ids", "models");
            if (models.Count > MaxModels)
                return OpenAiError.BadRequest($"'models' has {models.Count} ids; the limit is {MaxModels}", "models", "too_many_models");
            if (models.Any(m => m.Length > MaxModelIdLength))
                return OpenAiError.BadRequest($"'models' holds an id longer than {MaxModelIdLength} characters", "models", "model_id_too_long");
        }
        if (request.Temperature is < 0 or > 2)
            return OpenAiError.BadRequest("'temperature' must be between 0 and 2", "temperature");
        if (request.MaxTokens is < 1)
            return OpenAiError.BadRequest("'max_tokens' must be at least 1", "max_tokens");
        return request.RouterOptions is { } options ? ValidateRouterOptions(options) : null;
    }

    private static OpenAiError? ValidateRouterOptions(RouterOptions options)
    {
        if (options.Unknown?.Keys.FirstOrDefault() is { } unknown)
            return OpenAiError.BadRequest($"'router.{unknown}' is not a Router option; Router reads router.sort, router.listed_first, router.max_price, router.free_only and router.cache", $"router.{unknown}");
        if (options.MaxPrice is not { } max) return null;
        if (max.Unknown?.Keys.FirstOrDefault() is { } unknownPrice)
            return OpenAiError.BadRequest($"'router.max_price.{unknownPrice}' is not a price Router limits; it limits prompt and completion", $"router.max_price.{unknownPrice}");
        foreach (var (name, value) in new[] { ("prompt", max.Prompt), ("completion", max.Completion) })
            if (value is { } price && (price < 0 || !double.IsFinite(price)))
                return OpenAiError.BadRequest($"'router.max_price.{name}' must be a price of 0 or more, in USD per million tokens", $"router.max_price.{name}");
        return null;
    }
}
