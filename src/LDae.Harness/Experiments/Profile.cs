using LDae.Harness.Config;
using YamlDotNet.RepresentationModel;

namespace LDae.Harness.Experiments;

/// <summary>
/// A profile (ci, quick, cpu, paper) scales sizes and budgets: dataset, widths, epochs. It may set only
/// <see cref="KeyScope.Scale"/> keys, so a row means the same thing at every profile.
/// </summary>
public sealed record Profile(string Name, string Description, IReadOnlyDictionary<string, object?> Values, string File)
{
    public const string Default = "quick";

    /// <summary>What one job of this profile asks a cluster for (<c>resources:</c>; not part of any config).</summary>
    public JobResources Resources { get; init; } = JobResources.None;

    /// <summary>How generation quality is measured at this profile (<c>fid:</c>; not part of any config).</summary>
    public GenerationSettings Generation { get; init; } = GenerationSettings.Default;

    /// <summary>
    /// How many seeds each row runs (<c>seeds:</c>, default 1; <c>--seeds</c> overrides it per build). Not a config
    /// key: it says how often a row is measured, never what it is, so it is in no config hash (<see cref="SeedRuns"/>).
    /// </summary>
    public int Seeds { get; init; } = 1;

    /// <summary>
    /// Loads experiments/profiles.yaml: a mapping from profile name to {description, optional extends, and scale
    /// keys, and optional cluster <c>resources</c>}. <c>extends: other</c> starts from an earlier profile's keys and
    /// resources and overrides some (e.g. the quick budget on another dataset), so the shared budget is written once.
    /// </summary>
    public static IReadOnlyDictionary<string, Profile> LoadAll(string path)
    {
        var root = YamlFiles.LoadMapping(path);
        var result = new Dictionary<string, Profile>(StringComparer.Ordinal);
        foreach (var (k, v) in root.Children)
        {
            var name = YamlFiles.Key(k, path);
            if (v is not YamlMappingNode m) throw new ConfigException(path, name, "is not a mapping", "a profile's keys");
            var own = ConfigTree.Flatten(m, $"{path} (profile {name})");
            own.Remove("description", out var description);
            var values = new Dictionary<string, object?>(StringComparer.Ordinal);
            var resources = JobResources.None;
            var generation = GenerationSettings.Default;
            var seeds = 1;
            if (own.Remove("extends", out var parentName))
            {
                if (parentName is not string parent || !result.TryGetValue(parent, out var baseProfile))
                    throw new ConfigException(path, $"{name}.extends", $"names '{parentName}', which is not a profile defined above it",
                        string.Join(", ", result.Keys));
                foreach (var (key, value) in baseProfile.Values) values[key] = value;
                resources = baseProfile.Resources;
                generation = baseProfile.Generation;
                seeds = baseProfile.Seeds;
            }
            if (own.Remove("seeds", out var seedCount))
                seeds = seedCount is string text && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 100
                    ? n
                    : throw new ConfigException(path, $"{name}.seeds", $"is '{seedCount}'", "a whole number of seeds from 1 to 100");
            resources = JobResources.Take(own, resources, $"{path} (profile {name})");
            generation = GenerationSettings.Take(own, generation, $"{path} (profile {name})");
            foreach (var (key, value) in own) values[key] = value;
            var profile = new Profile(name, description as string ?? "", values, path) { Resources = resources, Generation = generation, Seeds = seeds };
            // Validate now, so a bad profile fails before any work.
            ConfigTree.Defaults().With(values, $"{path} (profile {name})", KeyScope.Scale);
            result[name] = profile;
        }
        return result;
    }
}
