// The training configuration: defaults, overrides, and errors that name the
// key.
#include "launch/train/train_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/test_support.h"

namespace micon {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kMinimal[] = R"(
run:
  dir: runs/a
data:
  dataset: screens/demo
)";

TEST(TrainConfig, DefaultsFileAndOverrides) {
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig c,
      ParseTrainConfig(
          std::string(kMinimal) + "train:\n  steps: 250\n", "run.yaml",
          {"data.batch_size=16", "model.projection_hidden=[64, 32]",
           "optimizer.betas=[0.8, 0.99]", "loss.objective=clip"}));
  EXPECT_EQ(c.run.dir, "runs/a");
  EXPECT_EQ(c.data.dataset, "screens/demo");
  EXPECT_EQ(c.train.steps, 250);
  EXPECT_EQ(c.data.batch_size, 16);
  EXPECT_EQ(c.model.spec.projection_hidden, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(c.optimizer.betas, (std::vector<double>{0.8, 0.99}));
  EXPECT_EQ(c.loss.objective, Objective::kClip);
  EXPECT_EQ(c.model.spec.image.resnet.depth, 18);  // untouched default
  EXPECT_DOUBLE_EQ(c.loss.temperature, 1.0);
}

// Every enum-like key becomes its typed value, and the ResNet depth a number.
TEST(TrainConfig, ChoicesBecomeTypedValues) {
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig c,
      ParseTrainConfig(
          kMinimal, "run.yaml",
          {"model.arch=resnet50", "model.norm=group",
           "model.channel_mode=multi_channel", "data.input=profiles",
           "data.split=all", "schedule.kind=plateau",
           "molecule.invalid_smiles=exclude", "train.device=cpu",
           "distributed.backend=threads", "loss.clip_temperature=0.2"}));
  EXPECT_EQ(c.model.spec.image.resnet.depth, 50);
  EXPECT_EQ(c.model.spec.image.resnet.norm, NormKind::kGroup);
  EXPECT_EQ(c.model.spec.image.mode, ChannelMode::kMultiChannel);
  EXPECT_EQ(c.model.spec.input, InputKind::kProfiles);
  EXPECT_FALSE(c.images());
  EXPECT_EQ(c.data.split, DatasetSplit::kAll);
  EXPECT_EQ(c.schedule.kind, ScheduleKind::kPlateau);
  EXPECT_EQ(c.molecule.invalid_smiles, InvalidSmilesPolicy::kExclude);
  EXPECT_EQ(c.train.device, DeviceChoice::kCpu);
  EXPECT_EQ(c.train.precision, Precision::kFp32);
  EXPECT_EQ(c.distributed.backend, Backend::kThreads);
  EXPECT_DOUBLE_EQ(c.model.spec.clip_temperature, 0.2);
  EXPECT_EQ(c.molecule.featurizer.bits, 1024);  // the run's default
  // And back to the same words.
  const std::string yaml = ResolvedConfigYaml(c);
  EXPECT_THAT(yaml,
              AllOf(HasSubstr("arch: resnet50"), HasSubstr("norm: group"),
                    HasSubstr("input: profiles"), HasSubstr("kind: plateau"),
                    HasSubstr("invalid_smiles: exclude"),
                    HasSubstr("backend: threads")));
  EXPECT_EQ(DescribeModel(c), "micon on profiles (MLP)");
}

TEST(TrainConfig, OverridesWinOverTheFile) {
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig c,
      ParseTrainConfig(std::string(kMinimal) + "train:\n  steps: 250\n",
                       "run.yaml", {"train.steps=7"}));
  EXPECT_EQ(c.train.steps, 7);
}

struct BadCase {
  std::string name;
  std::string yaml;
  std::vector<std::string> overrides;
  std::vector<std::string> expected;  // substrings of the error
};

// Test names show the case's name, not its bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class TrainConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(TrainConfigErrors, NameTheKeyAndTheFile) {
  const BadCase& c = GetParam();
  absl::StatusOr<TrainConfig> r =
      ParseTrainConfig(std::string(kMinimal) + c.yaml, "run.yaml", c.overrides);
  ASSERT_FALSE(r.ok());
  for (const std::string& e : c.expected) {
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(e));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TrainConfigErrors,
    ::testing::Values(
        BadCase{
            "UnknownKey",
            "model:\n  archh: resnet50\n",
            {},
            {"run.yaml", "unknown key 'model.archh'", "arch, channel_mode"}},
        BadCase{"UnknownSection",
                "modle:\n  arch: resnet50\n",
                {},
                {"run.yaml", "unknown section 'modle'"}},
        BadCase{"WrongType",
                "train:\n  steps: many\n",
                {},
                {"run.yaml", "train.steps: expected an integer, got 'many'"}},
        BadCase{"BelowMinimum",
                "train:\n  steps: 0\n",
                {},
                {"train.steps: must be >= 1"}},
        BadCase{"NotAChoice",
                "model:\n  arch: resnet19\n",
                {},
                {"model.arch: must be one of resnet18, resnet34"}},
        BadCase{"NotPositive",
                "loss:\n  temperature: -1\n",
                {},
                {"loss.temperature: must be > 0"}},
        BadCase{"WrongListLength",
                "optimizer:\n  betas: [0.9]\n",
                {},
                {"optimizer.betas: must be two numbers"}},
        BadCase{"ScalarForList",
                "model:\n  projection_hidden: 512\n",
                {},
                {"model.projection_hidden: expected a list of integers"}},
        BadCase{"BadYaml",
                "train:\n  steps: [1\n",
                {},
                {"run.yaml:", "not valid YAML"}},
        BadCase{"SectionNotAMap",
                "data: 3\n",
                {},
                {"section 'data' must be a map"}},
        BadCase{"UnknownOverride",
                "",
                {"train.stepz=4"},
                {"--set train.stepz=4", "unknown key 'train.stepz'"}},
        BadCase{"OverrideWithoutValue",
                "",
                {"train.steps"},
                {"--set train.steps", "section.key=value"}},
        BadCase{"BadBool",
                "",
                {"data.augment=maybe"},
                {"data.augment: expected true or false, got 'maybe'"}},
        BadCase{"WarmupLongerThanRun",
                "",
                {"schedule.warmup_steps=500"},
                {"schedule.warmup_steps (500) must be less than train.steps"}},
        BadCase{"Bf16OnCpu",
                "",
                {"train.precision=bf16", "train.device=cpu"},
                {"bf16 needs a CUDA device"}},
        BadCase{"MissingRunDir", "", {"run.dir="}, {"run.dir is required"}},
        BadCase{"UnknownObjective",
                "loss:\n  objective: byol\n",
                {},
                {"run.yaml",
                 "loss.objective: must be one of micon, paclr, simclr, clip, "
                 "cellclip, got 'byol'"}},
        BadCase{"UnknownBackend",
                "",
                {"distributed.backend=gloo"},
                {"distributed.backend: must be one of auto, mpi, nccl, "
                 "threads, got 'gloo'"}},
        BadCase{"ChoiceNotAString",
                "schedule:\n  kind: [cosine]\n",
                {},
                {"schedule.kind: expected a string"}},
        // Found by fuzzing (tests/fuzz/regressions/config): a complex
        // mapping key made yaml-cpp throw out of the parser.
        BadCase{"KeyNotAWord",
                "train:\n  ? [steps]\n  : 3\n",
                {},
                {"run.yaml:", "a key of section 'train' must be a plain word"}},
        BadCase{"SectionNotAWord",
                "? {train: 1}\n: 3\n",
                {},
                {"run.yaml:", "a section name must be a plain word"}},
        BadCase{"ImageBudgetNotAMultiple",
                "",
                {"data.batch_unit=images", "data.batch_size=30"},
                {"data.batch_size 30 counts encoder images",
                 "multiple of the 4 images one micon sample costs"}},
        BadCase{"PretrainedProfileModel",
                "",
                {"data.input=profiles", "model.pretrained=r18.pt"},
                {"model.pretrained is for image encoders"}}),
    [](const auto& info) { return info.param.name; });

// data.batch_unit: images gives every objective the same encoder images per
// step: 4 per MICON/PaCLR entry, 2 views per SimCLR image, 1 per CLIP image.
TEST(TrainConfig, AnImageBudgetIsTheSameForEveryObjective) {
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"micon", 8}, {"paclr", 8}, {"simclr", 16}, {"clip", 32}};
  for (const auto& [objective, samples] : expected) {
    MICON_ASSERT_OK_AND_ASSIGN(
        TrainConfig c,
        ParseTrainConfig(kMinimal, "run.yaml",
                         {"data.batch_unit=images", "data.batch_size=32",
                          "loss.objective=" + objective}));
    EXPECT_EQ(c.samples_per_rank(), samples) << objective;
    EXPECT_EQ(c.samples_per_rank() * EncoderPassesPerSample(c.loss.objective),
              32)
        << objective;
  }
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig c,
      ParseTrainConfig(kMinimal, "run.yaml",
                       {"data.batch_size=32", "loss.objective=simclr"}));
  EXPECT_EQ(c.samples_per_rank(), 32);  // samples: the old meaning
}

TEST(TrainConfig, ResolvedYamlReadsBackToTheSameConfig) {
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig c,
      ParseTrainConfig(kMinimal, "run.yaml",
                       {"optimizer.lr=3.3e-4", "model.generator_hidden=[7]",
                        "model.pretrained=weights/r18.pt", "run.seed=42"}));
  const std::string yaml = ResolvedConfigYaml(c);
  MICON_ASSERT_OK_AND_ASSIGN(TrainConfig back,
                             ParseTrainConfig(yaml, "resolved", {}));
  EXPECT_TRUE(DifferingKeys(c, back).empty()) << yaml;
  EXPECT_DOUBLE_EQ(back.optimizer.lr, 3.3e-4);
  MICON_ASSERT_OK_AND_ASSIGN(
      TrainConfig other, ParseTrainConfig(yaml, "resolved", {"train.steps=9"}));
  EXPECT_EQ(DifferingKeys(c, other), std::vector<std::string>{"train.steps"});
}

TEST(TrainConfig, EveryKeyIsDocumentedWithItsDefault) {
  std::ifstream in(testing::SourceDir() + "/docs/CONFIG.md");
  ASSERT_TRUE(in) << "docs/CONFIG.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  for (const ConfigKey& key : ConfigSchema()) {
    // Each key has a table row: | `section.key` | `default` | meaning |
    EXPECT_THAT(doc.str(), HasSubstr("| `" + key.key + "` | `" +
                                     key.default_value + "` |"))
        << "docs/CONFIG.md does not document " << key.key;
  }
}

}  // namespace
}  // namespace micon
