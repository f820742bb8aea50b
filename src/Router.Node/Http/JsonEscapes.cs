using System.Buffers.Text;

namespace Router.Node.Http;

/// <summary>
/// Finds <c>\uXXXX</c> escapes in JSON text that name a lone UTF-16 surrogate. Such a string is legal JSON but no
/// valid text: it cannot be re-encoded for the upstream, so the front refuses it instead of letting it fail later.
/// </summary>
public static class JsonEscapes
{
    /// <summary>
    /// Whether valid JSON (already parsed once) holds a lone surrogate escape. In valid JSON a backslash only appears
    /// inside a string, as the start of an escape, so a scan from backslash to backslash sees every escape exactly once.
    /// </summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> json)
    {
        var i = json.IndexOf((byte)'\\');
        while (i >= 0 && i + 1 < json.Length)
        {
            var next = i + 2; // past a two-character escape (\n, \", \\, ...)
            if (json[i + 1] == (byte)'u')
            {
                if (CodeUnit(json, i) is not { } unit) return false; // not valid JSON; the parser has said so already
                next = i + 6;
                if (char.IsLowSurrogate(unit)) return true;
                if (char.IsHighSurrogate(unit))
                {
                    if (json.Length < next + 6 || json[next] != (byte)'\\' || json[next + 1] != (byte)'u'
                        || CodeUnit(json, next) is not { } low || !char.IsLowSurrogate(low))
                        return true;
                    next += 6;
                }
            }
            var rest = json.Length > next ? json[next..].IndexOf((byte)'\\') : -1;
            i = rest < 0 ? -1 : next + rest;
        }
        return false;
    }

    /// <summary>The code unit of the escape <c>\uXXXX</c> starting at <paramref name="at"/>.</summary>
    private static char? CodeUnit(ReadOnlySpan<byte> json, int at) =>
        at + 6 <= json.Length && Utf8Parser.TryParse(json.Slice(at + 2, 4), out ushort value, out var consumed, 'X') && consumed == 4
            ? (char)value
            : null;
}
