using System.Text.Json.Nodes;
using LDae.Files;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Reporting;
using LDae.Reporting.Plots;

namespace LDae.Tests.Reporting;

/// <summary>
/// The committed fixture (Fixtures/results/quick: real row ids of experiments/, invented numbers) copied to a
/// temp folder, with a row figure added, and the report rendered once from it.
/// Fixture metrics say "config_hash": "FIXTURE-CURRENT" for "the row's current configuration" (the real
/// hash changes whenever the method version or a default does); the copy gets the real hash. Any other value
/// is kept, so that row is reported as stale (†).
/// </summary>
public sealed class ReportFixture : IDisposable
{
    public const string Profile = "quick";
    public static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());
    public static string Source => Path.Combine(Repo.Root(), "tests", "LDae.Tests", "Reporting", "Fixtures", "results");

    public string Root { get; }
    public ResultStore Store { get; }
    public ReportOutput Output { get; }

    public ReportFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "ldae-report-" + Guid.NewGuid().ToString("N")[..8]);
        CopyResults(Source, Root);
        Store = new ResultStore(Root);
        AddRowFigure(Store);
        Output = Report.Write(Registry, Store, Profile, Path.Combine(Root, "report-out"));
    }

    public static void CopyResults(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Path.GetFileName(file) == "metrics.json")
            {
                var json = JsonNode.Parse(File.ReadAllText(file))!;
                if ((string?)json["config_hash"] == "FIXTURE-CURRENT")
                    json["config_hash"] = Registry.Resolve((string)json["row"]!, (string)json["profile"]!).Hash();
                File.WriteAllText(target, json.ToJsonString());
            }
            else File.Copy(file, target);
        }
    }

    static readonly Lazy<RowMetrics> SeedTemplate = new(() =>
        RowMetrics.FromJson(File.ReadAllText(Path.Combine(Source, "quick", "table3", "pca-ddm", "metrics.json")), "fixture"));

    /// <summary>Seed <paramref name="seed"/> of <paramref name="row"/> at its current configuration: the fixture's PCA DDM metrics with that probe top-1.</summary>
    public static RowMetrics Seed(string row, int seed, double probeTop1) => SeedTemplate.Value with
    {
        Row = row,
        ConfigHash = Registry.Resolve(row, Profile).Hash(),
        Seed = seed,
        ProbeTop1 = probeTop1,
    };

    /// <summary>Writes each seed's metrics.json and <paramref name="row"/>'s as their aggregate, as a multi-seed build does.</summary>
    public static void WriteSeeds(ResultStore store, string row, IReadOnlyList<RowMetrics> seeds)
    {
        foreach (var seed in seeds)
            AtomicFile.WriteText(store.Row(Profile, SeedRuns.Id(row, seed.Seed ?? 1)).Metrics, seed.ToJson());
        AtomicFile.WriteText(store.Row(Profile, row).Metrics, SeedAggregate.Of(seeds).ToJson());
    }

    /// <summary>
    /// Row figures as the training code saves them in a row's figures/ folder: a denoising example of one row, and
    /// a PCA-basis image that is the same for two rows (the report publishes it once, as a shared figure).
    /// </summary>
    static void AddRowFigure(ResultStore store)
    {
        const int h = 28, w = 28;
        float[] Image(Func<int, int, float> f) => Enumerable.Range(0, h * w).Select(i => f(i / w, i % w)).ToArray();
        var original = Image((y, x) => (x - 14) * (x - 14) + (y - 14) * (y - 14) < 80 ? 0.9f : -0.9f);
        var rng = new Random(1);
        var noisy = original.Select(v => Math.Clamp(v + (float)(rng.NextDouble() * 1.6 - 0.8), -1f, 1f)).ToArray();
        var predicted = original.Select(v => v * 0.8f).ToArray();
        var dir = Path.Combine(store.Row(Profile, "table3/predict-original-image").Dir, "figures");
        ImageGrid.Save(Path.Combine(dir, "denoising.png"), [[noisy, predicted, original]], 1, h, w,
            ["example 1"], ["noisy", "prediction", "original"], "Denoising examples");
        var basis = Enumerable.Range(0, 3).Select(k => Enumerable.Range(0, 49).Select(i => MathF.Cos(k * i * 0.3f)).ToArray()).ToList();
        foreach (var row in new[] { "table3/pca-ddm", "table3/predict-original-image" })
            ImageGrid.Save(Path.Combine(store.Row(Profile, row).Dir, "figures", "pca-basis.png"), [basis], 1, 7, 7,
                ["basis"], ["#1", "#2", "#3"], "PCA basis");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
