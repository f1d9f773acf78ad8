using LDae.Objectives;
using LDae.Runtime;
using LDae.Tests.Method;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;

namespace LDae.Tests.Objectives;

/// <summary>
/// The loss formulas on hand-computable inputs: the squared error is of the difference prediction − target (not of
/// either alone), λ_t weighs each sample's error in both output spaces, and a loss owns the tensors it returns.
/// </summary>
public class LossContractTests
{
    public LossContractTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void The_squared_error_is_of_prediction_minus_target()
    {
        using var scope = NewDisposeScope();
        // sample 0: errors (1 − 3, 2 − (−1)) = (−2, 3) → MSE 6.5; sample 1: (0 − 1, 4 − 4) = (−1, 0) → MSE 0.5
        var prediction = tensor(new float[] { 1, 2, 0, 4 }).reshape(2, 2, 1, 1);
        var target = tensor(new float[] { 3, -1, 1, 4 }).reshape(2, 2, 1, 1);
        Assert.Equal(new float[] { 6.5f, 0.5f }, DenoisingLoss.PerSampleMse(prediction, target).data<float>().ToArray());
        var parts = DenoisingLoss.Latent(prediction, target, tensor(new float[] { 1, 2 }));
        Assert.Equal((1 * 6.5 + 2 * 0.5) / 2, parts.Total.item<float>(), 6);
    }

    [Fact]
    public void The_image_loss_weighs_each_sample_by_its_lambda_in_both_parts()
    {
        using var scope = NewDisposeScope();
        using var pca = PatchPcaTokenizer.Fit(SyntheticShapes.Make(64, 1, 8, seed: 3), 4, 3);
        var g = new Generator(5, CPU);
        var target = SyntheticShapes.Make(2, 1, 8, seed: 6);
        var prediction = target + 0.5f * randn([2, 1, 8, 8], generator: g);
        var error = prediction - target;
        var inside = pca.ProjectToSubspace(error);
        var outside = error - inside;
        double[] insidePerSample = PerSample(inside), outsidePerSample = PerSample(outside);
        double[] lambda = [0.9, 0.2];

        var parts = DenoisingLoss.Image(prediction, target, tensor(lambda.Select(v => (float)v).ToArray()), 0.1, pca);
        double subspace = (lambda[0] * insidePerSample[0] + lambda[1] * insidePerSample[1]) / 2;
        double residual = (lambda[0] * outsidePerSample[0] + lambda[1] * outsidePerSample[1]) / 2;
        Assert.Equal(subspace, parts.Subspace!.item<float>(), 5);
        Assert.Equal(residual, parts.Residual!.item<float>(), 5);
        Assert.Equal(subspace + 0.1 * residual, parts.Total.item<float>(), 5);
    }

    static double[] PerSample(Tensor x) => x.square().reshape(x.shape[0], -1).mean([1]).to_type(ScalarType.Float64).data<double>().ToArray();

    [Fact]
    public void Disposing_the_parts_releases_every_tensor()
    {
        var total = tensor(1f);
        var subspace = tensor(2f);
        var residual = tensor(3f);
        new LossParts(total, subspace, residual).Dispose();
        Assert.True(total.IsInvalid);
        Assert.True(subspace.IsInvalid);
        Assert.True(residual.IsInvalid);

        var latentOnly = tensor(4f);
        new LossParts(latentOnly, null, null).Dispose();
        Assert.True(latentOnly.IsInvalid);
    }
}
