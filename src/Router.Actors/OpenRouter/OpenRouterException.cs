using Router.Contracts;

namespace Router.Actors.OpenRouter;

/// <summary>An upstream call failed; <see cref="Error"/> says how, for routing.</summary>
public sealed class OpenRouterException(UpstreamError error, Exception? inner = null) : Exception(error.Message, inner)
{
    public UpstreamError Error { get; } = error;
}

/// <summary>
/// The request could not be put on the wire (e.g. a string with a lone UTF-16 surrogate cannot be encoded). Nothing
/// reached the upstream, so it says nothing about the model: the request's fault.
/// </summary>
public sealed class UnsendableRequestException(string message, Exception inner) : Exception(message, inner);
