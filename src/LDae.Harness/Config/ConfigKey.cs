namespace LDae.Harness.Config;

/// <summary>Who may set a key. A profile scales budgets and sizes; a row changes what is being studied.</summary>
public enum KeyScope
{
    /// <summary>What a row means (tokenizer kind, noise schedule, prediction target…): set by rows only.</summary>
    Semantic,
    /// <summary>Sizes and budgets (dataset, widths, epochs…): set by profiles only.</summary>
    Scale,
    /// <summary>Computed when a row is resolved for a profile (e.g. backbone width from backbone.size).</summary>
    Derived,
}

public enum KeyType { Int, Double, Bool, Enum, Text, LatentDim }

/// <summary>One configuration key: its dotted path, type, allowed values, default and scope.</summary>
public sealed record ConfigKey(string Path, KeyType Type, object? Default, KeyScope Scope, string Help, params string[] Allowed)
{
    public bool Nullable { get; init; }

    /// <summary>
    /// Bumped when what a value other than the default means changes. A configuration that sets the key away from
    /// its default hashes the key with its revision, so exactly the results made under the old meaning are rerun and
    /// every other result keeps its hash.
    /// </summary>
    public int Revision { get; init; }

    /// <summary>
    /// The key was added after results existed and its default reproduces the behaviour from before it: at the
    /// default it is left out of the configuration hash, so those results stay valid. A key added with a default
    /// that changes behaviour must not set this (bump <see cref="MethodVersion"/> instead).
    /// </summary>
    public bool HashedOnlyWhenSet { get; init; }

    /// <summary>
    /// A Boolean key without which this key means nothing (the fine-tuning recipe without fine-tuning): while that key
    /// is false this key is left out of the configuration hash, so a profile can size it without touching the hash of
    /// any row that does not use it.
    /// </summary>
    public string? OnlyWith { get; init; }

    /// <summary>The name and value under which (key, value) enters the configuration hash, or null when it does not.</summary>
    public string? HashName(object? value)
    {
        bool atDefault = Equals(value, Default);
        if (atDefault && HashedOnlyWhenSet) return null;
        return !atDefault && Revision > 0 ? $"{Path}#r{Revision}" : Path;
    }

    /// <summary>Parses a YAML scalar into this key's type, or throws <see cref="ConfigException"/>.</summary>
    public object? Parse(object? raw, string where)
    {
        if (raw is null || (raw is string s0 && (s0 is "null" or "~" or "")))
        {
            if (Nullable) return null;
            throw new ConfigException(where, Path, "must have a value", Describe());
        }
        string text = Convert.ToString(raw, System.Globalization.CultureInfo.InvariantCulture)!.Trim();
        switch (Type)
        {
            case KeyType.Int:
                if (long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l)) return InRange(l, l, text, where);
                break;
            case KeyType.Double:
                if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return InRange(d, d, text, where);
                break;
            case KeyType.Bool:
                if (text is "true" or "True") return true;
                if (text is "false" or "False") return false;
                break;
            case KeyType.Enum:
                if (Allowed.Contains(text)) return text;
                break;
            case KeyType.Text:
                return text;
            case KeyType.LatentDim:
                if (LatentDimension.TryParse(text, out _)) return text;
                break;
        }
        throw new ConfigException(where, Path, $"'{text}' is not valid", Describe());
    }

    /// <summary>The value, or a <see cref="ConfigException"/> when it lies outside the key's <see cref="ConfigRanges">range</see>.</summary>
    object InRange(object value, double number, string text, string where) =>
        ConfigRanges.For(Path) is not { } range || range.Contains(number) ? value
        : throw new ConfigException(where, Path, $"is {text}, out of range", Describe());

    string RangeText => ConfigRanges.For(Path) is { } range ? " " + range.Describe() : "";

    public string Describe() => Type switch
    {
        KeyType.Enum => "one of: " + string.Join(", ", Allowed),
        KeyType.LatentDim => "an integer, \"D\" (the patch dimension p²·C) or \"D/k\"",
        KeyType.Int => "an integer" + RangeText + (Nullable ? " or null" : ""),
        KeyType.Double => "a number" + RangeText + (Nullable ? " or null" : ""),
        KeyType.Bool => "true or false",
        _ => "text" + (Nullable ? " or null" : ""),
    };
}

/// <summary>A configuration error: names the file, the key, the problem and the allowed values.</summary>
public sealed class ConfigException(string where, string key, string problem, string allowed)
    : InputException($"{where}: key '{key}' {problem}; expected {allowed}")
{
    public string Where { get; } = where;
    public string Key { get; } = key;
}

/// <summary>
/// Latent dimension per token: an integer, or relative to the patch dimension D ("D", "D/24"), so every profile
/// sweeps the same ratios as the paper's d = 8…128 of D = 768 (D/96…D/6).
/// </summary>
public static class LatentDimension
{
    public static bool TryParse(string text, out Func<int, double> resolve)
    {
        text = text.Replace(" ", "");
        resolve = _ => 0;
        if (int.TryParse(text, out var n) && n > 0) { resolve = _ => n; return true; }
        if (text == "D") { resolve = d => d; return true; }
        if (text.StartsWith("D/", StringComparison.Ordinal) && int.TryParse(text[2..], out var k) && k > 0)
        {
            resolve = d => d / (double)k;
            return true;
        }
        return false;
    }

    /// <summary>
    /// The value for a patch dimension, rounded to a multiple of <paramref name="multiple"/> (at least one multiple):
    /// 1 for the patch-wise tokenizers; 4 for the conv VAE, whose token is 2×2 latent cells of d/4 channels.
    /// </summary>
    public static int Resolve(string text, int patchDim, int multiple = 1)
    {
        if (!TryParse(text, out var f)) throw new FormatException($"bad latent dimension '{text}'");
        if (multiple < 1) throw new ArgumentOutOfRangeException(nameof(multiple));
        return multiple * Math.Max(1, (int)Math.Round(f(patchDim) / multiple));
    }
}
