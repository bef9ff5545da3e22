# Siemens Catapult HLS build script written by fpga-export 0.1.0 for 'small_cnn'.
# Run:  catapult -shell -file build_prj.tcl
# Steps come from build_opt.tcl beside this script (written by Firmware.build()), else the
# defaults below. Paths are relative to this script's folder, wherever the tool was started.
# Commands as the Catapult HLS Command Reference documents them: "solution file add",
# "directive set", "go <stage>" (compile, libraries, assembly, architect, allocate, schedule,
# extract), "flow run /SCVerify/..." for the C and RTL simulations.
set root [file normalize [file dirname [info script]]]
cd $root
array set opt {csim 1 synth 1 cosim 0 export 0 vsynth 0}
if {[file exists [file join $root build_opt.tcl]]} {
    source [file join $root build_opt.tcl]
}

# Runs one step; a failing step prints an ERROR line and ends the run with exit code 1.
proc step {title body} {
    puts "fpga-export: $title"
    if {[catch {uplevel 1 $body} message]} {
        puts "ERROR: fpga-export: $title failed: $message"
        exit 1
    }
}

step "project setup" {
    options set Input/CppStandard c++11
    options set Input/SearchPath [list $root/firmware]
    project new -name small_cnn_prj
    flow package require /SCVerify
    solution file add $root/firmware/small_cnn.cpp -type C++
    solution file add $root/small_cnn_test.cpp -type C++ -exclude true
    # the top function, also marked "#pragma hls_design top" in the source
    directive set -DESIGN_HIERARCHY small_cnn
}
step "compile" {
    go compile
}
if {$opt(csim)} {
    # the C++ testbench against tb_data/ (SCVerify's original-design simulation)
    step "C simulation" {
        flow run /SCVerify/launch_make ./scverify/Verify_orig_cxx_osci.mk {} SIMTOOL=osci sim
    }
}
if {$opt(synth)} {
    step "libraries" {
        # an FPGA flow for xcvu13p-flga2577-2-e; an ASIC flow adds its technology library here
        solution library add mgc_Xilinx-VIRTEX-uplus-2_beh -- -rtlsyntool Vivado -manufacturer Xilinx -family VIRTEX-uplus -speed -2 -part xcvu13p-flga2577-2-e
        go libraries
    }
    step "clocks and directives" {
        directive set -CLOCKS {clk {-CLOCK_PERIOD 5.0}}
        go assembly
        directive set /small_cnn/conv_1_out:cns -FIFO_DEPTH 2
        directive set /small_cnn/dense_out:cns -FIFO_DEPTH 2
        directive set /small_cnn/flatten_out:cns -FIFO_DEPTH 2
        directive set /small_cnn/pool_1_out:cns -FIFO_DEPTH 2
        directive set /small_cnn/relu_1_out:cns -FIFO_DEPTH 2
    }
    step "C synthesis" {
        go architect
        go allocate
        go schedule
        go extract
    }
}
if {$opt(cosim)} {
    step "C/RTL co-simulation" {
        flow run /SCVerify/launch_make ./scverify/Verify_rtl_v_msim.mk {} SIMTOOL=msim sim
    }
}
if {$opt(vsynth) || $opt(export)} {
    step "Vivado synthesis" {
        flow run /Vivado/synthesize -shell vivado_v/concat_rtl.v.xv
    }
}
puts "fpga-export: finished"
exit
