using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Router.Tests.Support;

/// <summary>Keeps every log line (message and exception) written through Microsoft.Extensions.Logging.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>Each structured entry's category and named values (what a JSON formatter writes as fields).</summary>
    public ConcurrentQueue<(string Category, IReadOnlyDictionary<string, object?> Fields)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines, Entries);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<(string, IReadOnlyDictionary<string, object?>)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            if (state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                var named = new Dictionary<string, object?>();
                foreach (var (name, value) in fields) named[name] = value; // a template may name a value twice
                entries.Enqueue((category, named));
            }
        }
    }
}
