# Vivado HLS build script written by fpga-export 0.1.0 for 'small_cnn'.
# Run:  vivado_hls -f build_prj.tcl      (Vivado HLS 2019.2 - 2020.1)
# Steps come from build_opt.tcl beside this script (written by Firmware.build()), else the
# defaults below; `vivado_hls -f build_prj.tcl -tclargs csim=0 synth=1` overrides them.
# Paths are relative to this script's folder, wherever the tool was started.
set root [file normalize [file dirname [info script]]]
cd $root
array set opt {csim 1 synth 1 cosim 0 export 0 vsynth 0}
if {[file exists [file join $root build_opt.tcl]]} {
    source [file join $root build_opt.tcl]
}
if {[info exists argv]} {
    foreach arg $argv {
        if {[regexp {^(csim|synth|cosim|export|vsynth)=([01])$} $arg -> key value]} {
            set opt($key) $value
        }
    }
}

# Runs one step; a failing step prints an ERROR line and ends the run with exit code 1.
proc step {title body} {
    puts "fpga-export: $title"
    if {[catch {uplevel 1 $body} message]} {
        puts "ERROR: fpga-export: $title failed: $message"
        exit 1
    }
}

# C++11, spelled -std=c++0x: the GCC 4.6.3 toolchain in Vivado HLS 2019.2 (lnx64/tools/gcc)
# predates the -std=c++11 spelling (GCC 4.7); every compiler Vivado HLS runs takes c++0x.
set cflags "-std=c++0x -I$root/firmware"
step "project setup" {
    open_project -reset small_cnn_prj
    set_top small_cnn
    add_files $root/firmware/small_cnn.cpp -cflags $cflags
    add_files -tb $root/small_cnn_test.cpp -cflags $cflags
    add_files -tb $root/tb_data
    open_solution -reset "solution1"
    set_part xcvu13p-flga2577-2-e
    create_clock -period 5.0 -name default
    # UG902 config_array_partition: complete partitions above -maximum_size (default 1024)
    # fail (XFORM 203-103); the export checks every array against this limit
    config_array_partition -maximum_size 4096
    # UG902 config_compile: RTL names keep the layer names the report is matched by
    config_compile -name_max_length 256
}
if {$opt(csim)} {
    step "C simulation" { csim_design }
}
if {$opt(synth)} {
    step "C synthesis" { csynth_design }
}
if {$opt(cosim)} {
    step "C/RTL co-simulation" { cosim_design -trace_level all }
}
if {$opt(vsynth)} {
    # Vivado synthesis of the RTL for post-synthesis utilization and timing (UG902 export_design -flow syn)
    step "Vivado synthesis" { export_design -flow syn -rtl verilog -format ip_catalog }
} elseif {$opt(export)} {
    step "IP export" { export_design -format ip_catalog }
}
puts "fpga-export: finished"
exit
