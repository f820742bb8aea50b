using Router.Contracts;

namespace Router.Actors.OpenRouter;

/// <summary>An upstream call failed; <see cref="Error"/> says how, for routing.</summary>
public sealed class OpenRouterException(UpstreamError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public UpstreamError Error { get; } = error;
}
