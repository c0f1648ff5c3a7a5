// tqc_fifo: first-word-fall-through FIFO of DEPTH words in a memory with a registered read
// (block RAM), plus one output register.
module tqc_fifo #(
    parameter W = 8,
    parameter DEPTH = 2,
    parameter AW = 1,           // address width (DEPTH words)
    parameter CW = 2            // count width (0..DEPTH)
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [W-1:0] in_data,
    output out_valid,
    input out_ready,
    output [W-1:0] out_data
);
    localparam integer LAST_I = DEPTH - 1;
    localparam integer DEPTH_I = DEPTH;
    localparam [AW-1:0] LAST = LAST_I[AW-1:0];
    localparam [CW-1:0] FULL = DEPTH_I[CW-1:0];
    reg [W-1:0] mem [0:DEPTH-1];
    reg [AW-1:0] wptr, rptr;
    reg [CW-1:0] count;         // words in the memory
    reg o_valid;
    reg [W-1:0] o_data;
    wire push = in_valid && count != FULL;
    wire pop = count != {CW{1'b0}} && (!o_valid || out_ready);
    assign in_ready = count != FULL;
    assign out_valid = o_valid;
    assign out_data = o_data;
    always @(posedge clk) begin
        if (push) mem[wptr] <= in_data;
        if (pop) o_data <= mem[rptr];
    end
    always @(posedge clk) begin
        if (rst) begin
            wptr <= {AW{1'b0}};
            rptr <= {AW{1'b0}};
            count <= {CW{1'b0}};
            o_valid <= 1'b0;
        end else begin
            if (push) wptr <= wptr == LAST ? {AW{1'b0}} : wptr + 1'b1;
            if (pop) rptr <= rptr == LAST ? {AW{1'b0}} : rptr + 1'b1;
            if (push && !pop) count <= count + 1'b1;
            else if (pop && !push) count <= count - 1'b1;
            if (pop) o_valid <= 1'b1;
            else if (out_ready) o_valid <= 1'b0;
        end
    end
endmodule
