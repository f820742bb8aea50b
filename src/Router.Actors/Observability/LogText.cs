using System.Text;

namespace Router.Actors.Observability;

/// <summary>
/// Text from outside Router (model ids, upstream error messages that may echo a client's input, route ids of remote
/// callers) made safe for a log line: control characters escaped, so a value cannot forge a line or drive a
/// terminal, and long values cut.
/// </summary>
public static class LogText
{
    public const int MaxLength = 300;

    public static string Safe(object? value)
    {
        var text = value?.ToString() ?? "";
        var cut = text.Length > MaxLength;
        var shown = cut ? text.AsSpan(0, MaxLength) : text.AsSpan();
        if (!cut && !HasControl(shown)) return text;
        var builder = new StringBuilder(shown.Length + 16);
        foreach (var c in shown)
        {
            switch (c)
            {
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case var _ when char.IsControl(c): builder.Append("\\u").Append(((int)c).ToString("x4")); break;
                default: builder.Append(c); break;
            }
        }
        if (cut) builder.Append("...(").Append(text.Length - MaxLength).Append(" more characters)");
        return builder.ToString();
    }

    private static bool HasControl(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (char.IsControl(c)) return true;
        return false;
    }
}
