using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace LDae.Harness.Config;

/// <summary>
/// A configuration as a flat, sorted map from dotted key to typed value, validated against
/// <see cref="ConfigSchema"/>. Rows and profiles are partial trees applied on top of the defaults.
/// </summary>
public sealed class ConfigTree
{
    readonly SortedDictionary<string, object?> values;

    ConfigTree(SortedDictionary<string, object?> values) => this.values = values;

    public static ConfigTree Defaults() =>
        new(new SortedDictionary<string, object?>(ConfigSchema.Keys.ToDictionary(k => k.Path, k => k.Default), StringComparer.Ordinal));

    public IReadOnlyDictionary<string, object?> Values => values;

    public object? this[string path] => values.TryGetValue(path, out var v) ? v : throw new KeyNotFoundException(path);

    /// <summary>A copy with <paramref name="delta"/> applied; every key is checked against the schema and the allowed scope.</summary>
    public ConfigTree With(IReadOnlyDictionary<string, object?> delta, string where, KeyScope? onlyScope = null)
    {
        var next = new SortedDictionary<string, object?>(values, StringComparer.Ordinal);
        foreach (var (path, raw) in delta)
        {
            var key = ConfigSchema.Get(path, where);
            if (key.Scope == KeyScope.Derived)
                throw new ConfigException(where, path, "is derived when a row is resolved and cannot be set", "no value");
            if (onlyScope is { } scope && key.Scope != scope)
                throw new ConfigException(where, path, scope == KeyScope.Semantic
                        ? "is a size/budget key: only a profile may set it (a profile scales a row, a row never changes sizes)"
                        : "changes what a row means: only a row may set it (a profile only scales sizes and budgets)",
                    $"a key of scope {scope}");
            next[path] = key.Parse(raw, where);
        }
        return new ConfigTree(next);
    }

    /// <summary>Sets derived values and drops keys they replace; used only by the resolver.</summary>
    internal ConfigTree Derive(IReadOnlyDictionary<string, object?> derived, IEnumerable<string> drop)
    {
        var next = new SortedDictionary<string, object?>(values, StringComparer.Ordinal);
        foreach (var (k, v) in derived) next[k] = v;
        foreach (var k in drop) next.Remove(k);
        return new ConfigTree(next);
    }

    public string Text(string path) => (string)this[path]!;
    public string? TextOrNull(string path) => (string?)this[path];
    public long Int(string path) => (long)this[path]!;
    public long? IntOrNull(string path) => (long?)this[path];
    public double Double(string path) => Convert.ToDouble(this[path], CultureInfo.InvariantCulture);
    public bool Bool(string path) => (bool)this[path]!;

    /// <summary>
    /// Canonical JSON (sorted keys, invariant numbers): the input of the config hash. A key enters under the name
    /// <see cref="ConfigKey.HashName"/> gives it: with its revision when set away from its default, not at all when it
    /// was added later and is at its default.
    /// </summary>
    public string ToCanonicalJson() => CanonicalJson(values);

    static string CanonicalJson(IEnumerable<KeyValuePair<string, object?>> values)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            var all = values.ToList();
            foreach (var (k, v) in all)
            {
                var name = ConfigSchema.TryGet(k, out var key) ? key.HashName(v) : k;
                if (name is null || (key?.OnlyWith is { } gate && !all.Any(kv => kv.Key == gate && kv.Value is true))) continue;
                w.WritePropertyName(name);
                switch (v)
                {
                    case null: w.WriteNullValue(); break;
                    case long l: w.WriteNumberValue(l); break;
                    case double d: w.WriteStringValue(d.ToString("R", CultureInfo.InvariantCulture)); break;
                    case bool b: w.WriteBooleanValue(b); break;
                    default: w.WriteStringValue(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>SHA-256 of the canonical config and the method-code version, first 16 hex digits.</summary>
    public string Hash() => HashOf(ToCanonicalJson());

    /// <summary>The prefix of the keys that say how a pretrained encoder is probed, never how it is pretrained.</summary>
    public const string ProbePrefix = "probe.";

    /// <summary>The prefix of the keys that say how a pretrained encoder is fine-tuned end to end, never how it is pretrained.</summary>
    public const string FineTunePrefix = "finetune.";

    /// <summary>
    /// The pretraining identity: the hash of every key except the probe's and the fine-tuning's (probe.*, finetune.*), with the method version.
    /// Two configurations with the same identity pretrain the same weights (same data, tokenizer, objective,
    /// model, budget and seed), so a row that only changes how it is probed can probe another row's weights.
    /// </summary>
    public string PretrainingHash() =>
        HashOf(CanonicalJson(values.Where(kv => !kv.Key.StartsWith(ProbePrefix, StringComparison.Ordinal) && !kv.Key.StartsWith(FineTunePrefix, StringComparison.Ordinal))));

    static string HashOf(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"method-v{MethodVersion.Current}\n" + canonicalJson)))[..16];

    /// <summary>Nested YAML, for the resolved config written beside the results.</summary>
    public string ToYaml()
    {
        var sb = new StringBuilder();
        string[] previous = [];
        foreach (var (k, v) in values)
        {
            var parts = k.Split('.');
            int common = 0;
            while (common < parts.Length - 1 && common < previous.Length - 1 && parts[common] == previous[common]) common++;
            for (int i = common; i < parts.Length - 1; i++) sb.Append(' ', 2 * i).Append(parts[i]).Append(":\n");
            sb.Append(' ', 2 * (parts.Length - 1)).Append(parts[^1]).Append(": ").Append(FormatScalar(v)).Append('\n');
            previous = parts;
        }
        return sb.ToString();
    }

    static string FormatScalar(object? v) => v switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s when s.Contains('/') || s.Length == 0 => $"\"{s}\"",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture)!,
    };

    /// <summary>Flattens a YAML mapping (nested or dotted keys) into dotted paths → scalar text.</summary>
    public static Dictionary<string, object?> Flatten(YamlMappingNode node, string where, string prefix = "")
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in node.Children)
        {
            var path = prefix + Experiments.YamlFiles.Key(k, where);
            switch (v)
            {
                case YamlMappingNode m:
                    foreach (var (kk, vv) in Flatten(m, where, path + ".")) result[kk] = vv;
                    break;
                case YamlScalarNode s:
                    if (!result.TryAdd(path, s.Style == YamlDotNet.Core.ScalarStyle.Plain && s.Value is "null" or "~" ? null : s.Value))
                        throw new ConfigException(where, path, "is set twice", "each key once");
                    break;
                default:
                    throw new ConfigException(where, path, "is a list", "a scalar value");
            }
        }
        return result;
    }
}

/// <summary>
/// The version of the method code that produced a result. It is part of every config hash: bump it when a
/// change to the method changes numbers, so every cached result is rerun; leave it when a refactor does not.
/// </summary>
public static class MethodVersion
{
    public const int Current = 3;
}
