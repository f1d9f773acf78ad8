using System.Globalization;
using LDae.Harness.Config;
using YamlDotNet.RepresentationModel;

namespace LDae.Harness.Experiments;

/// <summary>
/// All tables of experiments/*.yaml and the profiles. Resolves a row for a profile:
/// defaults ⊕ profile (scale keys) ⊕ the row's chain of deltas (semantic keys) ⊕ derived values.
/// </summary>
public sealed class ExperimentRegistry
{
    public string Directory { get; }
    public IReadOnlyList<ExperimentTable> Tables { get; }
    public IReadOnlyDictionary<string, Profile> Profiles { get; }
    readonly Dictionary<string, ExperimentRow> rowsById;

    ExperimentRegistry(string directory, IReadOnlyList<ExperimentTable> tables, IReadOnlyDictionary<string, Profile> profiles)
    {
        Directory = directory;
        Tables = tables;
        Profiles = profiles;
        rowsById = new Dictionary<string, ExperimentRow>(StringComparer.Ordinal);
        foreach (var row in tables.SelectMany(t => t.Rows))
            if (!rowsById.TryAdd(row.FullId, row))
                throw new ConfigException(row.File, row.FullId, "is defined twice", "unique row ids");
        foreach (var row in rowsById.Values)
        {
            if (row.From is { } from && !rowsById.ContainsKey(from))
                throw new ConfigException(row.File, row.FullId, $"starts from unknown row '{from}'", "one of: " + string.Join(", ", rowsById.Keys));
            if (row.Versus is { } vs && (!rowsById.ContainsKey(vs) || vs == row.FullId))
                throw new ConfigException(row.File, row.FullId, $"is compared with '{vs}', which is not another row", "one of: " + string.Join(", ", rowsById.Keys.Where(k => k != row.FullId)));
            _ = Chain(row); // detects cycles
            ConfigTree.Defaults().With(row.Delta, $"{row.File} (row {row.FullId})", KeyScope.Semantic); // keys, scopes, types and ranges now, for every row
        }
        foreach (var table in tables)
            foreach (var step in table.Steps)
                foreach (var end in new[] { step.From, step.To })
                    if (!rowsById.ContainsKey(end))
                        throw new ConfigException(table.File, "steps", $"'{step.Title}' names unknown row '{end}'", "one of: " + string.Join(", ", rowsById.Keys));
    }

    public IEnumerable<ExperimentRow> Rows => Tables.SelectMany(t => t.Rows);

    public ExperimentRow Row(string fullId) =>
        rowsById.TryGetValue(fullId, out var r) ? r
        : throw new ArgumentException($"unknown row '{fullId}'; rows: {string.Join(", ", rowsById.Keys)}");

    public bool TryRow(string fullId, out ExperimentRow row) => rowsById.TryGetValue(fullId, out row!);

    public Profile Profile(string name) =>
        Profiles.TryGetValue(name, out var p) ? p
        : throw new ArgumentException($"unknown profile '{name}'; profiles: {string.Join(", ", Profiles.Keys)}");

    /// <summary>The rows whose deltas make up <paramref name="row"/>, oldest first.</summary>
    public IReadOnlyList<ExperimentRow> Chain(ExperimentRow row)
    {
        var chain = new List<ExperimentRow>();
        var seen = new HashSet<string>();
        for (ExperimentRow? r = row; r is not null; r = r.From is null ? null : rowsById[r.From])
        {
            if (!seen.Add(r.FullId)) throw new ConfigException(row.File, row.FullId, "inherits from itself", "an acyclic chain of rows");
            chain.Add(r);
        }
        chain.Reverse();
        return chain;
    }

    /// <summary>The full, validated configuration of a row at a profile, with command-line overrides (if any) on top.</summary>
    public ConfigTree Resolve(ExperimentRow row, string profileName, ConfigOverrides? overrides = null)
    {
        var profile = Profile(profileName);
        var tree = ConfigTree.Defaults().With(profile.Values, $"{profile.File} (profile {profile.Name})", KeyScope.Scale);
        foreach (var r in Chain(row))
            tree = tree.With(r.Delta, $"{r.File} (row {r.FullId})", KeyScope.Semantic);
        if (overrides is { IsEmpty: false }) tree = tree.With(overrides.Values, ConfigOverrides.Where);
        var resolved = Derive(tree);
        ConfigChecks.Validate(resolved, $"{row.FullId} at profile {profileName}" + (overrides is { IsEmpty: false } ? $" with --set {overrides}" : ""));
        return resolved;
    }

    public ConfigTree Resolve(string fullId, string profileName, ConfigOverrides? overrides = null) => Resolve(Row(fullId), profileName, overrides);

    /// <summary>Sizes from backbone.size, D and d from the patch and the dataset's channels, the probe's block count from the depth.</summary>
    public static ConfigTree Derive(ConfigTree tree)
    {
        var size = tree.Text("backbone.size");
        long channels = tree.Text("data.dataset") == "fashion-mnist" ? 1 : 3;
        long patch = tree.Int("tokenizer.patch");
        int patchDim = (int)(patch * patch * channels);
        var derived = new Dictionary<string, object?>
        {
            ["backbone.width"] = tree.Int($"sizes.{size}.width"),
            ["backbone.depth"] = tree.Int($"sizes.{size}.depth"),
            ["backbone.heads"] = tree.Int($"sizes.{size}.heads"),
            ["data.channels"] = channels,
            ["tokenizer.patch_dim"] = (long)patchDim,
            ["tokenizer.latent_dim"] = LatentDimPerToken(tree, patch, channels, patchDim).ToString(CultureInfo.InvariantCulture),
            ["probe.blocks"] = tree.Int($"sizes.{size}.depth") / 2 + tree.Int("probe.split"),
        };
        var dropped = ConfigSchema.Keys.Select(k => k.Path).Where(p => p.StartsWith("sizes.", StringComparison.Ordinal));
        return tree.Derive(derived, dropped);
    }

    /// <summary>
    /// The latent dimension per token d a row trains with at this profile (recorded in the resolved config):
    /// tokenizer.latent_dim rounded to an integer ≥ 1 — for the conv VAE to 4× its channel count (its stride is
    /// p/2 and the denoiser takes 2×2 latent cells per token, DiT's calibration in the paper's Table 2); for the
    /// pixel tokenizer it is not chosen but follows from the down-scaling: (p/downscale)²·C.
    /// </summary>
    static int LatentDimPerToken(ConfigTree tree, long patch, long channels, int patchDim)
    {
        var kind = tree.Text("tokenizer.kind");
        long downscale = tree.Int("tokenizer.downscale");
        if (downscale < 1)
            throw new ConfigException("config", "tokenizer.downscale", $"is {downscale}", "an integer ≥ 1");
        if (downscale != 1 && kind != "pixels")
            throw new ConfigException("config", "tokenizer.downscale", $"is {downscale} for the '{kind}' tokenizer", "1 (the down-scaling belongs to the pixel tokenizer)");
        return kind switch
        {
            "conv-vae" => LatentDimension.Resolve(tree.Text("tokenizer.latent_dim"), patchDim, multiple: 4),
            // a downscale that does not divide p leaves D; Availability then reports the row as not runnable at this profile
            "pixels" => patch % downscale == 0 ? (int)(patch / downscale * (patch / downscale) * channels) : patchDim,
            _ => LatentDimension.Resolve(tree.Text("tokenizer.latent_dim"), patchDim),
        };
    }

    /// <summary>Loads experiments/profiles.yaml and every other experiments/*.yaml as a table.</summary>
    public static ExperimentRegistry Load(string directory)
    {
        var profiles = Experiments.Profile.LoadAll(Path.Combine(directory, "profiles.yaml"));
        var tables = System.IO.Directory.GetFiles(directory, "*.yaml")
            .Where(f => Path.GetFileName(f) != "profiles.yaml")
            .Select(LoadTable)
            .OrderBy(t => t.Order).ThenBy(t => t.Id, StringComparer.Ordinal)
            .ToList();
        return new ExperimentRegistry(directory, tables, profiles);
    }

    static ExperimentTable LoadTable(string path)
    {
        var root = YamlFiles.LoadMapping(path);
        var known = new HashSet<string> { "table", "order", "title", "description", "from", "rows", "steps" };
        foreach (var k in root.Children.Keys.Select(k => YamlFiles.Key(k, path)))
            if (!known.Contains(k)) throw new ConfigException(path, k, "is unknown at the top level", "one of: " + string.Join(", ", known));
        var id = YamlFiles.Scalar(root, "table") ?? Path.GetFileNameWithoutExtension(path);
        if (id != Path.GetFileNameWithoutExtension(path))
            throw new ConfigException(path, "table", $"is '{id}' but the file is named {Path.GetFileName(path)}", "the file name without .yaml");
        var title = YamlFiles.Scalar(root, "title") ?? id;
        var description = YamlFiles.Scalar(root, "description") ?? "";
        string? previous = YamlFiles.Scalar(root, "from");
        if (!root.Children.TryGetValue(new YamlScalarNode("rows"), out var rowsNode) || rowsNode is not YamlSequenceNode seq)
            throw new ConfigException(path, "rows", "is missing", "a list of rows");

        var rows = new List<ExperimentRow>();
        var rowKeys = new HashSet<string> { "id", "title", "change", "architecture", "paper", "set", "from", "vs" };
        foreach (var node in seq.Children)
        {
            if (node is not YamlMappingNode m) throw new ConfigException(path, "rows", "holds a non-mapping", "rows as mappings");
            foreach (var k in m.Children.Keys.Select(k => YamlFiles.Key(k, path)))
                if (!rowKeys.Contains(k)) throw new ConfigException(path, k, "is unknown in a row", "one of: " + string.Join(", ", rowKeys));
            var rowId = YamlFiles.Scalar(m, "id") ?? throw new ConfigException(path, "id", "is missing in a row", "a row id");
            if (!System.Text.RegularExpressions.Regex.IsMatch(rowId, "^[a-z0-9][a-z0-9-]*$"))
                throw new ConfigException(path, "id", $"'{rowId}' is not a valid row id", "lower-case letters, digits and dashes");
            var where = $"{path} (row {id}/{rowId})";
            var delta = m.Children.TryGetValue(new YamlScalarNode("set"), out var setNode)
                ? setNode is YamlMappingNode sm ? ConfigTree.Flatten(sm, where) : throw new ConfigException(where, "set", "is not a mapping", "key: value pairs")
                : new Dictionary<string, object?>();
            var from = YamlFiles.Scalar(m, "from") ?? previous;
            var paper = m.Children.TryGetValue(new YamlScalarNode("paper"), out var pn) && pn is YamlMappingNode pm
                ? new PaperNumbers(Number(pm, "acc", where), Number(pm, "fid", where))
                : new PaperNumbers(null, null);
            var row = new ExperimentRow(id, rowId, YamlFiles.Scalar(m, "title") ?? rowId, YamlFiles.Scalar(m, "change") ?? "", paper, delta, from, path)
            {
                Architecture = YamlFiles.Scalar(m, "architecture"),
                Versus = YamlFiles.Scalar(m, "vs"),
            };
            rows.Add(row);
            previous = row.FullId;
        }
        var order = YamlFiles.Scalar(root, "order") is { } o ? int.Parse(o, CultureInfo.InvariantCulture) : int.MaxValue;
        return new ExperimentTable(id, title, description, rows, path) { Order = order, Steps = LoadSteps(root, path) };
    }

    /// <summary>A study's steps: pairs of rows of other tables that the study measures again at other lengths.</summary>
    static IReadOnlyList<StudyStep> LoadSteps(YamlMappingNode root, string path)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode("steps"), out var node)) return [];
        if (node is not YamlSequenceNode seq) throw new ConfigException(path, "steps", "is not a list", "a list of {title, from, to, paper}");
        var known = new HashSet<string> { "title", "from", "to", "paper" };
        var steps = new List<StudyStep>();
        foreach (var item in seq.Children)
        {
            if (item is not YamlMappingNode m) throw new ConfigException(path, "steps", "holds a non-mapping", "steps as mappings");
            foreach (var k in m.Children.Keys.Select(k => YamlFiles.Key(k, path)))
                if (!known.Contains(k)) throw new ConfigException(path, k, "is unknown in a step", "one of: " + string.Join(", ", known));
            string Required(string key) => YamlFiles.Scalar(m, key) ?? throw new ConfigException(path, key, "is missing in a step", "a value");
            steps.Add(new StudyStep(Required("title"), Required("from"), Required("to"), Number(m, "paper", $"{path} (step {Required("title")})")));
        }
        return steps;
    }

    static double? Number(YamlMappingNode m, string key, string where)
    {
        var s = YamlFiles.Scalar(m, key);
        if (s is null) return null;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new ConfigException(where, "paper." + key, $"'{s}' is not a number", "the paper's number");
    }
}
