using System.Globalization;

namespace LDae.Cli;

/// <summary>Parsed command line: a command, then --key value / --key=value / --flag options.</summary>
public sealed class CliArgs
{
    readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public string Command { get; }

    public CliArgs(IReadOnlyList<string> args)
    {
        Command = args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "help";
        for (int i = Command == "help" && (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? 0 : 1; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new CliException($"unexpected argument '{a}'");
            var eq = a.IndexOf('=');
            if (eq > 0) _options[a[2..eq]] = a[(eq + 1)..];
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) _options[a[2..]] = args[++i];
            else _options[a[2..]] = null;
        }
    }

    public string? Get(string name) { _read.Add(name); return _options.TryGetValue(name, out var v) ? v : null; }
    public string Get(string name, string fallback) => Get(name) ?? fallback;
    public string Require(string name) => Get(name) ?? throw new CliException($"'{Command}' needs --{name}");
    public bool Flag(string name) { _read.Add(name); return _options.ContainsKey(name); }
    public int Int(string name, int fallback) => Get(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Fails on options the command did not read (a typo must not be silently ignored).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CliException($"'{Command}' does not take --{string.Join(", --", unknown)}");
    }
}

public sealed class CliException(string message) : Exception(message);
