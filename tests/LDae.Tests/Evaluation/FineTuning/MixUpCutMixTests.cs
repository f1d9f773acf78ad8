using LDae.Evaluation.FineTuning;
using LDae.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Evaluation.FineTuning;

public class MixUpCutMixTests
{
    public MixUpCutMixTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void Label_smoothing_puts_one_minus_epsilon_plus_epsilon_over_k_on_the_label()
    {
        using var labels = tensor(new long[] { 2, 0 });
        using var t = SoftTargets.OneHot(labels, 4, 0.1);
        Assert.Equal(1 - 0.1 + 0.025, t[0, 2].item<float>(), 6);
        Assert.Equal(0.025, t[0, 1].item<float>(), 6);
        Assert.Equal(1.0, t.sum(1)[1].item<float>(), 6);
    }

    [Fact]
    public void Soft_target_cross_entropy_of_smoothed_labels_is_torch_label_smoothed_cross_entropy()
    {
        using var g = new Generator(4, CPU);
        using var logits = randn([6, 5], generator: g);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 1 });
        using var targets = SoftTargets.OneHot(labels, 5, 0.1);
        using var ours = SoftTargets.CrossEntropy(logits, targets);
        using var torchs = nn.functional.cross_entropy(logits, labels, label_smoothing: 0.1);
        Assert.Equal(torchs.item<float>(), ours.item<float>(), 5);
    }

    [Fact]
    public void MixUp_blends_images_and_labels_with_the_same_lambda()
    {
        using var g = new Generator(5, CPU);
        using var images = rand([4, 1, 6, 6], generator: g);
        using var labels = tensor(new long[] { 0, 1, 2, 3 });
        using var mixed = MixUpCutMix.Apply(images, labels, 4, new MixOptions(0.8, 0, 0), new Random(1));
        double l = mixed.Lambda;
        Assert.False(mixed.CutMix);
        using var expected = images * l + images.flip(0) * (1 - l);
        Assert.True(mixed.Images.allclose(expected, atol: 1e-6));
        Assert.Equal(l, mixed.Targets[0, 0].item<float>(), 5);            // own class: λ
        Assert.Equal(1 - l, mixed.Targets[0, 3].item<float>(), 5);        // the partner's (the flipped batch): 1 − λ
    }

    [Fact]
    public void CutMix_pastes_a_box_and_weights_the_labels_by_the_area_each_image_keeps()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            using var images = zeros([2, 1, 16, 16]);
            images[1] = ones([1, 16, 16]);
            using var labels = tensor(new long[] { 0, 1 });
            using var mixed = MixUpCutMix.Apply(images, labels, 2, new MixOptions(0, 1.0, 0), new Random(seed));
            Assert.True(mixed.CutMix);
            // image 0 (zeros) received a box of image 1 (ones): the pasted share is 1 − λ, and so is its partner's label weight
            double pasted = mixed.Images[0].mean().item<float>();
            Assert.Equal(1 - mixed.Lambda, pasted, 5);
            Assert.Equal(1 - mixed.Lambda, mixed.Targets[0, 1].item<float>(), 5);
            Assert.Equal(mixed.Lambda, mixed.Targets[0, 0].item<float>(), 5);
        }
    }

    [Fact]
    public void With_both_on_a_batch_is_one_or_the_other_and_the_draws_repeat_with_the_seed()
    {
        using var g = new Generator(6, CPU);
        using var images = rand([4, 1, 8, 8], generator: g);
        using var labels = tensor(new long[] { 0, 1, 0, 1 });
        var kinds = Enumerable.Range(0, 40).Select(s =>
        {
            using var m = MixUpCutMix.Apply(images, labels, 2, new MixOptions(0.8, 1.0, 0.1), new Random(s));
            using var again = MixUpCutMix.Apply(images, labels, 2, new MixOptions(0.8, 1.0, 0.1), new Random(s));
            Assert.True(m.Images.allclose(again.Images, rtol: 0, atol: 0));
            return m.CutMix;
        }).ToList();
        Assert.Contains(true, kinds);
        Assert.Contains(false, kinds);
    }
}
