using LDae.Files;
using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Tokenizers;

/// <summary>
/// What the non-learned tokenizers promise beyond their round trips: the shapes they accept (each side checked on its
/// own, and errors that name the bad size), PCA's sign convention for its eigenvectors, and tensors released on Dispose.
/// </summary>
public class TokenizerContractTests
{
    public TokenizerContractTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void The_patch_views_refuse_sizes_the_patch_does_not_divide_on_either_side()
    {
        using var scope = NewDisposeScope();
        foreach (var (h, w) in new[] { (10, 8), (8, 10) })
        {
            var image = Assert.Throws<ArgumentException>(() => Patches.ImageToGrid(zeros(1, 1, h, w), 4));
            Assert.Contains($"{h}×{w}", image.Message);
            var tokens = Assert.Throws<ArgumentException>(() => Patches.Unpatchify(zeros(1, 4, 16), 4, 1, h, w));
            Assert.Contains($"{h}×{w}", tokens.Message);
        }
        Assert.Throws<ArgumentException>(() => Patches.ImageToGrid(zeros(1, 1, 8, 8), 0));
        Assert.Contains("[1,8,8]", Assert.Throws<ArgumentException>(() => Patches.ImageToGrid(zeros(1, 8, 8), 2)).Message);
        Assert.Contains("[16,2,2]", Assert.Throws<ArgumentException>(() => Patches.GridToImage(zeros(16, 2, 2), 2, 4)).Message);
        Assert.Contains("expected p·p·C = 16", Assert.Throws<ArgumentException>(() => Patches.GridToImage(zeros(1, 12, 2, 2), 2, 4)).Message);
        Assert.Contains("[12,2,2]", Assert.Throws<ArgumentException>(() => Patches.GridToTokens(zeros(12, 2, 2))).Message);
        Assert.Contains("N×6×d", Assert.Throws<ArgumentException>(() => Patches.TokensToGrid(zeros(1, 4, 3), 2, 3)).Message);
        Assert.Throws<ArgumentException>(() => Patches.TokensToGrid(zeros(4, 3), 2, 2));
    }

    [Fact]
    public void A_one_pixel_patch_is_the_image_itself()
    {
        using var scope = NewDisposeScope();
        var image = randn(2, 3, 4, 5);
        Assert.True(TensorAssert.Identical(Patches.ImageToGrid(image, 1), image));
        Assert.True(TensorAssert.Identical(Patches.GridToImage(image, 1, 3), image));
        // tokens: one per pixel, its C values
        var tokens = Patches.Patchify(image, 1);
        Assert.Equal(new long[] { 2, 20, 3 }, tokens.shape);
        Assert.True(TensorAssert.Identical(tokens[1, 7], image[1, .., 1, 2]));
    }

    [Fact]
    public void Pca_fitting_refuses_what_is_not_a_float_image_batch_or_an_empty_latent()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => PatchPcaTokenizer.Fit(zeros(4, 8, 8), 4, 2));
        Assert.Throws<ArgumentException>(() => PatchPcaTokenizer.Fit(zeros(new long[] { 4, 1, 8, 8 }, ScalarType.Int64), 4, 2));
        var empty = Assert.Throws<ArgumentOutOfRangeException>(() => PatchPcaTokenizer.Fit(SyntheticShapes.Make(4, 1, 8), 4, 0));
        Assert.Contains("1..16", empty.Message);
    }

    [Fact]
    public void Each_eigenvector_has_its_largest_magnitude_entry_positive()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, 16, seed: 5), 4, 6);
        var basis = pca.Basis.to_type(ScalarType.Float64);
        var pivot = basis.abs().argmax(0).unsqueeze(0);
        var atPivot = basis.gather(0, pivot).squeeze(0).data<double>().ToArray();
        Assert.Equal(6, atPivot.Length);
        Assert.All(atPivot, v => Assert.True(v > 0, $"pivot entry {v}"));
    }

    [Fact]
    public void The_pca_codec_refuses_images_and_latents_of_the_wrong_shape()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(32, 1, 8, seed: 2), 4, 3);
        Assert.Equal((16, "patch-pca"), (pca.PatchDim, pca.Kind));
        Assert.Contains("N×1×H×W", Assert.Throws<ArgumentException>(() => pca.Encode(zeros(2, 8, 8))).Message);
        Assert.Contains("10×8", Assert.Throws<ArgumentException>(() => pca.Encode(zeros(2, 1, 10, 8))).Message);
        Assert.Contains("8×10", Assert.Throws<ArgumentException>(() => pca.Encode(zeros(2, 1, 8, 10))).Message);
        Assert.Contains("N×3×h×w", Assert.Throws<ArgumentException>(() => pca.Decode(zeros(2, 4, 2, 2))).Message);
        Assert.Throws<ArgumentException>(() => pca.Decode(zeros(2, 3, 2)));
        // a 3-D tensor whose last side is not D is not taken for patch tokens
        Assert.Throws<ArgumentException>(() => pca.ProjectToSubspace(zeros(2, 4, 15)));
    }

    /// <summary>A patch-PCA file as <see cref="PatchPcaTokenizer.Save"/> lays it out, with a header and tensors of the given sizes.</summary>
    static void WritePca(string path, int patch, int channels, int latentDim, long mean, long[] basis, long eigenvalues, long scale) =>
        VerifiedFile.WriteBinary(path, writer =>
        {
            LDae.Training.ModuleFile.WriteHeader(writer, "LDAE-PATCH-PCA", 1);
            writer.Write(patch);
            writer.Write(channels);
            writer.Write(latentDim);
            writer.Write((int)LatentScaling.None);
            using var scope = NewDisposeScope();
            zeros(mean).Save(writer);
            eye(basis[0], basis[1]).Save(writer);
            ones(eigenvalues, dtype: ScalarType.Float64).Save(writer);
            ones(scale).Save(writer);
        });

    [Fact]
    public void Loading_a_pca_whose_tensors_do_not_match_its_header_fails()
    {
        // header p = 4, C = 1, d = 3: mean and eigenvalues of D = 16, basis 16×3, scale 3
        var path = Path.Combine(Path.GetTempPath(), $"ldae-pca-forged-{Guid.NewGuid():N}.bin");
        try
        {
            WritePca(path, 4, 1, 3, 16, [16, 3], 16, 3);
            using (var loaded = PatchPcaTokenizer.Load(path))
                Assert.Equal((4, 1, 3), (loaded.Patch, loaded.ImageChannels, loaded.LatentDim));
            var wrong = new (long Mean, long[] Basis, long Eigenvalues, long Scale)[]
            {
                (15, [16, 3], 16, 3), (16, [15, 3], 16, 3), (16, [16, 2], 16, 3), (16, [16, 3], 15, 3), (16, [16, 3], 16, 2),
            };
            foreach (var (mean, basis, eigenvalues, scale) in wrong)
            {
                WritePca(path, 4, 1, 3, mean, basis, eigenvalues, scale);
                var error = Assert.Throws<InvalidDataException>(() => PatchPcaTokenizer.Load(path));
                Assert.Contains("p=4, C=1, d=3", error.Message);
            }
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".sha256");
        }
    }

    [Fact]
    public void An_unknown_latent_scaling_is_refused()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => PatchPcaTokenizer.Fit(SyntheticShapes.Make(8, 1, 8), 4, 2, (LatentScaling)7));
    }

    [Fact]
    public void Disposing_the_pca_releases_its_tensors()
    {
        var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(16, 1, 8, seed: 2), 4, 3);
        Tensor[] owned = [pca.Mean, pca.Basis, pca.Eigenvalues, pca.Scale];
        pca.Dispose();
        Assert.All(owned, t => Assert.True(t.IsInvalid));
    }

    [Fact]
    public void The_pixel_tokenizer_names_itself_and_checks_both_sides()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PixelTokenizer(0));
        using var tok = new PixelTokenizer(1, downscale: 4);
        Assert.Equal(("pixels", 1, 1, 4), (tok.Kind, tok.ImageChannels, tok.LatentDim, tok.Downscale));
        Assert.Contains("10×16", Assert.Throws<ArgumentException>(() => tok.Encode(zeros(1, 1, 10, 16))).Message);
        Assert.Contains("16×10", Assert.Throws<ArgumentException>(() => tok.Encode(zeros(1, 1, 16, 10))).Message);
        Assert.Contains("N×1×H×W", Assert.Throws<ArgumentException>(() => tok.Decode(zeros(1, 3, 4, 4))).Message);
        Assert.Throws<ArgumentException>(() => tok.Decode(zeros(1, 4, 4)));
    }
}
