import MemQCore

extension Zoo {
    /// Families added beyond the first zoo.
    static var extraFamilies: [ZooEntry] {
        SqueezeNet.entries + DenseNet.entries + GoogLeNet.entries + InceptionV3.entries + MobileNet.entries
            + ShuffleNetV2.entries + MNASNet.entries + EfficientNet.entries + RegNet.entries + ConvNeXt.entries
            + VisionTransformer.entries + SwinTransformer.entries + MaxViT.entries
            + YOLOv3.entries + BERT.entries + GPT2.entries + LLaMA.entries
    }
}
