namespace LDae.Harness.Config;

/// <summary>
/// Values set on the command line (<c>ldae run --set train.epochs=10 --set probe.epochs=20</c>). They are applied
/// on top of the profile and the row's chain and checked like YAML values (known key, type, range; derived keys
/// cannot be set), so they change the config hash and appear in config.resolved.yaml. A scale key only resizes the
/// row; a semantic key changes what the row means, which <see cref="Describe"/> says.
/// </summary>
public sealed class ConfigOverrides
{
    public const string Where = "--set";

    public static ConfigOverrides None { get; } = new(new Dictionary<string, object?>(StringComparer.Ordinal));

    /// <summary>Key → raw text, in the order given.</summary>
    public IReadOnlyDictionary<string, object?> Values { get; }

    ConfigOverrides(Dictionary<string, object?> values) => Values = values;

    public bool IsEmpty => Values.Count == 0;

    /// <summary>Parses <c>key=value</c> assignments; a malformed one, an unknown or derived key, or a key given twice is an <see cref="InputException"/>.</summary>
    public static ConfigOverrides Parse(IEnumerable<string> assignments)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            int eq = assignment.IndexOf('=');
            if (eq <= 0) throw new InputException($"{Where} '{assignment}': expected KEY=VALUE, e.g. --set train.epochs=10");
            var key = assignment[..eq].Trim();
            var value = assignment[(eq + 1)..].Trim();
            var schemaKey = ConfigSchema.Get(key, Where);
            if (schemaKey.Scope == KeyScope.Derived)
                throw new ConfigException(Where, key, "is derived when a row is resolved and cannot be set", "a key a profile or row sets");
            schemaKey.Parse(value, Where); // type and range now, before any work
            if (!values.TryAdd(key, value)) throw new ConfigException(Where, key, "is set twice", "each key once");
        }
        return values.Count == 0 ? None : new ConfigOverrides(values);
    }

    /// <summary>One line per override for config.resolved.yaml, saying whether it rescales the row or changes what it means.</summary>
    public IEnumerable<string> Describe() => Values.Select(kv =>
        $"{kv.Key}={kv.Value} ({(ConfigSchema.Get(kv.Key, Where).Scope == KeyScope.Semantic ? "semantic: changes what the row means" : "scale: resizes the row")})");

    public override string ToString() => string.Join(" ", Values.Select(kv => $"{kv.Key}={kv.Value}"));
}
