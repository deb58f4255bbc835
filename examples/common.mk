# common.mk - what every lesson Makefile shares: where the tools and the data
# are, bash with pipefail (a failing tool in a pipe fails the recipe), and
# whether gnuplot is there to draw the pictures.
#
# The tools are taken from $(TOP)/$(BUILD)/bin when that exists (BUILD=build
# by default, so `make` in the repository root is enough), else from PATH
# (an installed toolkit).  Override with BIN=/some/dir.

.DEFAULT_GOAL := all

EXAMPLES := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
TOP      := $(abspath $(EXAMPLES)/..)
DATA     := $(TOP)/data
BUILD    ?= build
BIN      ?= $(or $(wildcard $(abspath $(if $(filter /%,$(BUILD)),,$(TOP)/)$(BUILD)/bin)),$(patsubst %/,%,$(dir $(shell command -v dl-train))))
ifeq ($(BIN),)
$(error no dl tools: run `make` in $(TOP) first, or put dl-train and friends on PATH)
endif
export PATH := $(BIN):$(EXAMPLES)/bin:$(PATH)
export LC_ALL := C

# Targets depend on the tools they run, so a rebuilt tool redoes its outputs.
TENSOR  := $(BIN)/dl-tensor
DESIGN  := $(BIN)/dl-design
LSTSQ   := $(BIN)/dl-lstsq
TRAIN   := $(BIN)/dl-train
PREDICT := $(BIN)/dl-predict
EVAL    := $(BIN)/dl-eval
PLOT    := $(BIN)/dl-plot

SHELL       := /bin/bash
.SHELLFLAGS := -o pipefail -ec
.DELETE_ON_ERROR:
# Each Makefile lists in .PRECIOUS the patterns of the rules whose files are
# made on the way (checkpoints, streams, training logs): people look at them,
# and make would otherwise delete them.  (Not `.SECONDARY:` with no names:
# GNU make then never remakes a missing file whose dependents look up to
# date.)  The tools write streams atomically: a kept file is never half made.

# Pictures only when gnuplot is installed; the tables are made either way.
GNUPLOT := $(shell command -v gnuplot)
ifeq ($(GNUPLOT),)
plots_or_nothing = $(info gnuplot is not installed (Debian: apt-get install gnuplot-nox): no pictures)
else
plots_or_nothing = $(1)
endif

# Every output goes under $(OUT) (default out/, beside the Makefile).
OUT ?= out
$(OUT):
	mkdir -p $@

# Any CSV of data/ as a stream (its last column is y): $(OUT)/fish2d.dlt.
$(OUT)/%.dlt: $(DATA)/%.csv $(TENSOR) | $(OUT)
	dl-tensor import --targets 1 $< -o $@
.PRECIOUS: $(OUT)/%.dlt

# A lesson's variables (DEGREES=..., K=..., PATIENCE=...) are set on make's
# command line, where make cannot see them change: $(OUT)/NAME.knobs holds the
# values of the variables KNOBS_NAME lists, rewritten only when they differ
# from the last run's, and a rule whose output depends on them lists it, so
# a value set anew redoes what it changes (a shorter list of degrees, the
# table again; another K, every fold) and the same values nothing.
# (Precious: named only by pattern rules, it would be deleted as an
# intermediate file, and made anew next time, newer than everything.)
.PHONY: FORCE
.PRECIOUS: $(OUT)/%.knobs
$(OUT)/%.knobs: FORCE | $(OUT)
	@$(call rewrite_if_changed,$(foreach v,$(KNOBS_$*),'$(v)=$($(v))'))

# $(call rewrite_if_changed,WORDS[,COMMANDS]): a recipe that writes the
# (quoted) shell WORDS to $@, one a line, only when they differ from what it
# holds, so its time stamp says when they last changed; COMMANDS run then.  (Not a pipe into
# `cmp -`: cmp exits at a missing file, and under pipefail the writer's
# SIGPIPE would fail the recipe.)
rewrite_if_changed = new=$$(printf '%s\n' $(1)); \
  if [ ! -e $@ ] || [ "$$new" != "$$(cat $@)" ]; then \
    printf '%s\n' "$$new" > $@; $(or $(2),:); fi

# $(call metric,CKPT,DATA,NAME): metric NAME (a dl-eval column) of the
# checkpoint's predictions for DATA, as a shell command.
metric = dl-predict $(1) $(2) | dl-eval --format tsv | tsv-select $(3) | tail -n 1

.PHONY: clean
clean:
	rm -rf $(OUT)
