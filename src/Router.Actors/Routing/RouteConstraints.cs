using Router.Actors.Catalog;
using Router.Contracts.OpenRouter;

namespace Router.Actors.Routing;

/// <summary>
/// What a request allows of a model: a context that holds its estimated prompt plus its <c>max_tokens</c>, and the
/// limits of its <c>router</c> object (<c>free_only</c>, <c>max_price</c>). A model that does not fit is skipped with
/// the reason, rather than called for a certain 400 or a price the client refused.
/// </summary>
public sealed class RouteConstraints
{
    public const string ContextTooSmall = "context too small";
    public const string NotFree = "not free (router.free_only)";
    public const string OverMaxPrice = "over router.max_price";
    public const string PriceUnknown = "price unknown (router.max_price)";

    /// <summary>Characters per token for the prompt estimate: a floor for most text, so a fitting model is not skipped.</summary>
    public const int CharactersPerToken = 4;

    /// <summary>Per message, for the role and the chat template's markers.</summary>
    public const int TokensPerMessage = 3;

    private const double PerMillion = 1_000_000;
    private readonly bool _freeOnly;
    private readonly double? _maxPrompt;
    private readonly double? _maxCompletion;

    private RouteConstraints(int requiredContext, RouterOptions? options)
    {
        RequiredContext = requiredContext;
        _freeOnly = options?.FreeOnly == true;
        _maxPrompt = options?.MaxPrice?.Prompt / PerMillion;
        _maxCompletion = options?.MaxPrice?.Completion / PerMillion;
    }

    /// <summary>Whether the request limits prices (<c>free_only</c> or <c>max_price</c>).</summary>
    public bool LimitsPrice => _freeOnly || _maxPrompt is not null || _maxCompletion is not null;

    /// <summary>Tokens a model's context must hold: the estimated prompt plus <c>max_tokens</c>.</summary>
    public int RequiredContext { get; }

    /// <summary>Allows every model.</summary>
    public static readonly RouteConstraints None = new(0, null);

    public static RouteConstraints For(ChatCompletionRequest request) =>
        new(EstimatePromptTokens(request.Messages) + (request.MaxTokens ?? 0), request.RouterOptions);

    public static int EstimatePromptTokens(IReadOnlyList<ChatMessage> messages)
    {
        long tokens = 0;
        foreach (var message in messages)
            tokens += (message.ContentText.Length + CharactersPerToken - 1) / CharactersPerToken + TokensPerMessage;
        return (int)Math.Min(tokens, int.MaxValue);
    }

    /// <summary>Why <paramref name="model"/> does not fit this request; null when it does.</summary>
    public string? Refusal(ModelInfo model) =>
        Refusal(model.ContextLength ?? int.MaxValue, ModelPrices.Prompt(model) ?? double.NaN, ModelPrices.Completion(model) ?? double.NaN);

    /// <summary>The same from numbers (prices per token, NaN when unknown), as ranking holds them.</summary>
    public string? Refusal(int contextLength, double promptPrice, double completionPrice)
    {
        if (contextLength < RequiredContext) return ContextTooSmall;
        if (!_freeOnly && _maxPrompt is null && _maxCompletion is null) return null;
        if (_freeOnly && !(promptPrice == 0 && completionPrice == 0)) return NotFree;
        if ((_maxPrompt is not null && double.IsNaN(promptPrice)) || (_maxCompletion is not null && double.IsNaN(completionPrice))) return PriceUnknown;
        if (Over(promptPrice, _maxPrompt) || Over(completionPrice, _maxCompletion)) return OverMaxPrice;
        return null;
    }

    // A limit equal to the price, given per million and compared per token, must not fail on rounding.
    private static bool Over(double price, double? limit) => price > limit * (1 + 1e-9);

}
