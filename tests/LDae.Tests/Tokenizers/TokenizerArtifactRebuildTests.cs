using LDae.Data;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Files;
using LDae.Runtime;
using LDae.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Tokenizers;

/// <summary>
/// A tokenizer artifact whose weights were changed, deleted or never given a digest is fitted again, never loaded
/// as it is: a damaged pca.bin must not become a probe accuracy, a deleted one must not fail every later build.
/// </summary>
public sealed class TokenizerArtifactRebuildTests : IDisposable
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());
    readonly TempDir dir = new();
    readonly ImageDataset train, test;
    readonly LDae.Harness.Config.ConfigTree config = Registry.Resolve("table3/pca-ddm", "ci");
    readonly ResultStore store;
    readonly TokenizerArtifact artifact;
    readonly string folder, weights;

    public TokenizerArtifactRebuildTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        store = new ResultStore(dir.Sub("results"));
        using var g = LDae.Training.Seeding.Generator(3, "tokenizer-artifact-test");
        ImageDataset Images(string name, int n) =>
            new(name, randint(0, 256, [n, 1, 32, 32], dtype: ScalarType.Byte, generator: g), arange(n).remainder(10), Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
        (train, test) = (Images("train", 64), Images("test", 16));
        artifact = TokenizerArtifact.For(config)!;
        folder = store.TokenizerDir("ci", artifact.FolderName);
        weights = Path.Combine(folder, artifact.WeightsFile);
    }

    public void Dispose()
    {
        train.Dispose();
        test.Dispose();
        dir.Dispose();
    }

    string Build(TextWriter? log = null)
    {
        using var tokenizer = TokenizerArtifacts.GetOrBuild(config, "ci", store, train, test, log ?? TextWriter.Null);
        return VerifiedFile.Sha256Of(weights);
    }

    [Fact]
    public void Weights_changed_in_place_are_fitted_again_with_one_line_naming_the_file()
    {
        var fitted = Build();
        var bytes = File.ReadAllBytes(weights);
        for (int i = 800; i < 804; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(weights, bytes);
        Assert.False(artifact.IsReady(folder));

        var log = new StringWriter();
        Assert.Equal(fitted, Build(log));
        Assert.Contains($"[tokenizer] {artifact.Name}: {weights} does not match the SHA-256 written with it", log.ToString());
        Assert.True(artifact.IsReady(folder));
    }

    [Fact]
    public void Deleted_weights_are_fitted_again_instead_of_failing_every_later_build()
    {
        var fitted = Build();
        File.Delete(weights);
        var log = new StringWriter();
        Assert.Equal(fitted, Build(log));
        Assert.Contains($"{weights} is missing; building it again", log.ToString());
    }

    [Fact]
    public void An_artifact_without_digests_is_fitted_again_and_its_folder_digest_ignores_digest_files()
    {
        var fitted = Build();
        var folderDigest = TokenizerArtifact.WeightsSha256(folder);
        File.Delete(VerifiedFile.DigestPath(weights)); // as an artifact built before digests were kept
        // Rows record the folder's digest: the digest files must not change it, or every committed row would look out of date.
        Assert.Equal(folderDigest, TokenizerArtifact.WeightsSha256(folder));
        Assert.False(artifact.IsReady(folder));
        Assert.Equal(fitted, Build());
        Assert.Equal(folderDigest, TokenizerArtifact.WeightsSha256(folder));
    }
}
