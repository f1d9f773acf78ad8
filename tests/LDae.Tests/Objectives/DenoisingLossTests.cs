using LDae.Diffusion;
using LDae.Objectives;
using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Objectives;

public class DenoisingLossTests
{
    public DenoisingLossTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Image_loss_parts_add_up_to_the_pixel_mse_and_weight_the_residual()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, 16, seed: 3), 4, 5, LatentScaling.Global);
        var g = new Generator(11, CPU);
        var image = SyntheticShapes.Make(6, 1, 16, seed: 4);
        var prediction = image + 0.3f * randn([6, 1, 16, 16], generator: g);
        var unit = ones(6);

        var parts = DenoisingLoss.Image(prediction, image, unit, residualWeight: 1.0, pca);
        double mse = (prediction - image).square().mean().item<float>();
        Assert.NotNull(parts.Subspace);
        Assert.NotNull(parts.Residual);
        double s = parts.Subspace!.item<float>(), r = parts.Residual!.item<float>();
        Assert.True(s > 0.01 * mse && r > 0.01 * mse, "random errors have both parts");
        Assert.Equal(1.0, (s + r) / mse, 5);
        Assert.Equal(1.0, parts.Total.item<float>() / mse, 5);

        var downWeighted = DenoisingLoss.Image(prediction, image, unit, residualWeight: 0.1, pca);
        Assert.Equal(s + 0.1 * r, downWeighted.Total.item<float>(), 5);
    }

    [Fact]
    public void An_error_inside_the_subspace_has_no_residual_part()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, 16, seed: 3), 4, 5);
        var g = new Generator(5, CPU);
        var image = SyntheticShapes.Make(4, 1, 16, seed: 8);
        var prediction = image + pca.ProjectToSubspace(randn([4, 1, 16, 16], generator: g));
        var parts = DenoisingLoss.Image(prediction, image, ones(4), 0.1, pca);
        Assert.True(parts.Residual!.item<float>() < 1e-6 * parts.Subspace!.item<float>() + 1e-9);
    }

    [Fact]
    public void Losses_are_weighted_per_sample()
    {
        using var scope = NewDisposeScope();
        var target = zeros(2, 3, 4, 4);
        var prediction = cat([full(1, 3, 4, 4, 1f), full(1, 3, 4, 4, 2f)]);   // per-sample MSE 1 and 4
        var weight = tensor(new float[] { 0.5f, 0.25f });
        var parts = DenoisingLoss.Latent(prediction, target, weight);
        Assert.Equal((0.5 * 1 + 0.25 * 4) / 2, parts.Total.item<float>(), 6);
        Assert.Null(parts.Subspace);
        Assert.Equal(new float[] { 1, 4 }, DenoisingLoss.PerSampleMse(prediction, target).data<float>().ToArray());
    }

    public static TheoryData<string, bool> Schedules => new()
    {
        { NoiseSchedules.DdpmLinearBetaName, true }, { NoiseSchedules.LinearGammaSquaredName, true },
        { NoiseSchedules.DdpmLinearBetaName, false }, { NoiseSchedules.LinearGammaSquaredName, false },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void Clean_data_weight_is_the_papers_lambda_and_favours_cleaner_inputs(string name, bool inputScaling)
    {
        var s = NoiseSchedules.Create(name, inputScaling);
        Assert.Equal(1.0, LossWeighting.WeightAt(Prediction.CleanData, s, 0));
        for (int t = 1; t <= s.Steps; t++)
        {
            double w = LossWeighting.WeightAt(Prediction.CleanData, s, t);
            Assert.InRange(w, 0.0, 1.0);
            Assert.True(w < LossWeighting.WeightAt(Prediction.CleanData, s, t - 1));
            Assert.Equal(w, LossWeighting.WeightAt(Prediction.OriginalImage, s, t));
            Assert.Equal(1.0, LossWeighting.WeightAt(Prediction.Epsilon, s, t));
            // the paper: λ_t = γ_t² with input scaling, λ_t = 1/(1 + σ_t²) without (σ_t linear to √2)
            double sigma = s.SigmaAt(t);
            Assert.Equal(inputScaling ? s.GammaAt(t) * s.GammaAt(t) : 1 / (1 + sigma * sigma), w, 12);
        }
    }

    [Fact]
    public void Weight_tensors_match_the_scalar_weights()
    {
        using var scope = NewDisposeScope();
        var s = new LinearGammaSquared();
        var t = tensor(new long[] { 1, 250, 1000 });
        Assert.Equal(new float[] { 0.999f, 0.75f, 0f }, LossWeighting.Weight(Prediction.CleanData, s, t).data<float>().ToArray());
        Assert.Equal(new float[] { 1, 1, 1 }, LossWeighting.Weight(Prediction.Epsilon, s, t).data<float>().ToArray());
        var noScaling = new NoInputScaling();
        var expected = new[] { 1 / (1 + 2e-6), 1 / (1 + 0.125), 1.0 / 3 }.Select(v => (float)v).ToArray();
        Assert.Equal(expected, LossWeighting.Weight(Prediction.CleanData, noScaling, t).data<float>().ToArray());
        var single = new SingleNoiseLevel();
        Assert.Equal(new float[] { 0.75f, 0.75f, 0.75f }, LossWeighting.Weight(Prediction.OriginalImage, single, t).data<float>().ToArray());
    }
}
